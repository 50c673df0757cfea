import type { ManifestOf } from '../manifests/manifest.ts';
import type { ApplicationInstance, DesiredState } from './desired-state.ts';
import type { Provenance } from './governance-model.ts';
import { workloadRoles } from './iam-roles.ts';
import type { WorkspaceBuilder } from './workspace-builder.ts';
import { pick } from './pick.ts';
import { projectScope } from '../naming/cloud-names.ts';
import {
  connectionSecret,
  modelAddress,
  pushIdentity,
  type PushSource,
} from '../naming/model-addresses.ts';

/** The member that stands for an application's own service account in its workspace. */
export function applicationMember(application: string): string {
  return `serviceAccount:${application}`;
}

/**
 * The member that stands for an application's identity in a workspace: its own symbolic
 * member where it runs there, else `serviceAccount:<application>@<its workspace>`, which
 * the renderer writes as that identity's email in the other project.
 */
export function workloadMember(application: string, from: string, workspace: string): string {
  return from === workspace
    ? applicationMember(application)
    : `${applicationMember(application)}@${from}`;
}

/**
 * A push subscription to one service, authenticated by its own service account that may
 * invoke that service and nothing else; undeliverable messages go to a dead-letter topic.
 */
export function pushSubscription(
  ws: WorkspaceBuilder,
  type: PushSource,
  source: string,
  deploymentConfig: string,
  path: string,
  cause: Provenance,
): void {
  const identity = pushIdentity(type, source, deploymentConfig);
  ws.resource({
    address: modelAddress('service_account', identity),
    type: 'service_account',
    attributes: { purpose: `push ${source} to ${deploymentConfig}` },
    cause,
  });
  ws.resource({
    address: modelAddress(type, source, deploymentConfig),
    type,
    attributes: {
      source,
      service: modelAddress('cloud_run_service', deploymentConfig),
      path,
      oidcServiceAccount: modelAddress('service_account', identity),
      deadLetter: true,
    },
    cause,
  });
  ws.bind({
    resource: modelAddress('cloud_run_service', deploymentConfig),
    role: workloadRoles.invoker,
    member: `serviceAccount:${identity}`,
    cause,
  });
}

export function compileInstance(
  ws: WorkspaceBuilder,
  instance: ApplicationInstance,
  state: DesiredState,
): void {
  const app = state.nodes.get(instance.application);
  const config = state.nodes.get(instance.deploymentConfig);
  if (app === undefined || config?.manifest.kind !== 'DeploymentConfig') return;
  const m = app.manifest as ManifestOf<'Application' | 'ExternalApplication'>;
  const dc = config.manifest.spec;
  const at = (pointer: string): Provenance => ({ file: app.file, pointer });
  const name = m.metadata.name;
  const member = applicationMember(name);
  const access = m.spec.accessControl;

  ws.resource({
    address: modelAddress('service_account', name),
    type: 'service_account',
    attributes: { purpose: `identity of ${name}`, roles: [] },
    cause: at('/metadata/name'),
  });
  ws.resource({
    address: modelAddress('cloud_run_service', name),
    type: 'cloud_run_service',
    attributes: {
      serviceAccount: modelAddress('service_account', name),
      image: m.kind === 'ExternalApplication' ? m.spec.image : null,
      buildDefinition: m.kind === 'Application' ? m.spec.buildDefinition : null,
      version: dc.version ?? null,
      region: config.region ?? null,
      ingress: 'internal-and-cloud-load-balancing',
      ...pick(dc, ['ports', 'scaling', 'health', 'container', 'volumeMounts', 'bucketMounts']),
      secretEnvironment: Object.entries(access?.secrets ?? {}).map(([secret, use]) => ({
        name: use.envVar,
        secret: modelAddress('secret', secret),
      })),
    },
    cause: { file: config.file, pointer: '/metadata/name' },
  });
  for (const secret of Object.keys(access?.secrets ?? {})) {
    ws.bind({
      resource: modelAddress('secret', secret),
      role: workloadRoles.secretAccessor,
      member,
      subject: instance.application,
      cause: at(`/spec/accessControl/secrets/${secret}`),
    });
  }
  access?.pubsub?.publishTo?.forEach((topic, index) => {
    ws.bind({
      resource: modelAddress('pubsub_topic', topic),
      role: workloadRoles.publisher,
      member,
      subject: instance.application,
      cause: at(`/spec/accessControl/pubsub/publishTo/${index}`),
    });
  });
  access?.pubsub?.subscribeTo?.forEach((topic, index) => {
    pushSubscription(
      ws,
      'pubsub_subscription',
      topic,
      name,
      '/',
      at(`/spec/accessControl/pubsub/subscribeTo/${index}`),
    );
  });
  compileCallers(ws, instance, state, name);
  if (access?.database !== undefined) {
    const database = access.database;
    const cause = at('/spec/accessControl/database');
    const connection = connectionSecret(name, database.name);
    ws.resource({
      address: modelAddress('alloydb_user', database.name, name),
      type: 'alloydb_user',
      attributes: {
        cluster: modelAddress('alloydb_cluster', database.name),
        member,
        schema: database.schema,
        privileges: [...database.privileges].sort(),
      },
      cause,
    });
    ws.resource({
      address: modelAddress('secret', connection),
      type: 'secret',
      attributes: { replication: 'automatic', generated: 'connection string' },
      cause,
    });
    ws.bind({
      resource: modelAddress('secret', connection),
      role: workloadRoles.secretAccessor,
      member,
      subject: instance.application,
      cause,
    });
  }
}

/**
 * The invoker of an instance's service, for exactly the identity of each application that
 * declares it calls it (`accessControl.calls`) and runs in the same unit and environment,
 * in this project or another. A service nobody declares a call to has no such invoker.
 */
function compileCallers(
  ws: WorkspaceBuilder,
  callee: ApplicationInstance,
  state: DesiredState,
  name: string,
): void {
  const key = callKey(projectScope(callee.workspace).unit, callee.environment, name);
  for (const call of callsOf(state).get(key) ?? []) {
    ws.bind({
      resource: modelAddress('cloud_run_service', name),
      role: workloadRoles.invoker,
      member: workloadMember(call.caller, call.from, callee.workspace),
      subject: call.application,
      cause: call.cause,
    });
  }
}

/** A declared call of one caller instance, as the callee's workspace binds it. */
interface Call {
  readonly caller: string;
  readonly application: string;
  /** The caller's workspace. */
  readonly from: string;
  readonly cause: Provenance;
}

const callKey = (unit: string, environment: string, callee: string) =>
  `${unit}/${environment}/${callee}`;

/**
 * Every declared call of a state, by the callee's unit, environment and name: gathered once
 * per state, since every instance of every workspace asks.
 */
function callsOf(state: DesiredState): ReadonlyMap<string, readonly Call[]> {
  let calls = callsByState.get(state);
  if (calls !== undefined) return calls;
  const found = new Map<string, Call[]>();
  for (const caller of state.instances) {
    const node = state.nodes.get(caller.application);
    if (node?.manifest.kind !== 'Application' && node?.manifest.kind !== 'ExternalApplication')
      continue;
    const unit = projectScope(caller.workspace).unit;
    node.manifest.spec.accessControl?.calls?.forEach((callee, index) => {
      const key = callKey(unit, caller.environment, callee);
      let list = found.get(key);
      if (list === undefined) found.set(key, (list = []));
      list.push({
        caller: node.name,
        application: caller.application,
        from: caller.workspace,
        cause: { file: node.file, pointer: `/spec/accessControl/calls/${index}` },
      });
    });
  }
  calls = found;
  callsByState.set(state, calls);
  return calls;
}

const callsByState = new WeakMap<DesiredState, ReadonlyMap<string, readonly Call[]>>();
