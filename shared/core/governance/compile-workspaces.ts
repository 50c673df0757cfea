import type { ApplicationInstance, DesiredState, GraphNode } from './desired-state.ts';
import { accessLevels, ownPermissions } from '../manifests/permissions.ts';
import type { Json, Provenance, WorkspaceModel } from './governance-model.ts';
import { peopleRoles, repositoryRoles, secretRoles, workloadRoles } from './iam-roles.ts';
import { compileProjectNetwork } from './network.ts';
import { principalsOf, type Principals } from './principals.ts';
import { WorkspaceBuilder } from './workspace-builder.ts';
import { pick } from './pick.ts';
import { applicationMember, compileInstance, pushSubscription } from './application-instances.ts';
import { ingressRouting, isAuthenticated, type RouteRule } from './ingress-routing.ts';
import { folderAddress, modelAddress } from '../naming/model-addresses.ts';

/**
 * Compiles the desired state into one model per workspace: the resources each workspace's
 * Terraform creates, the IAM bindings, firewall rules and egress entries, each with the
 * manifest entry that caused it. With `only`, just those workspaces are compiled.
 */
export function compileWorkspaces(
  state: DesiredState,
  only?: ReadonlySet<string>,
): Map<string, WorkspaceModel> {
  const principals = principalsOf(state);
  // Each workspace's nodes and instances, in the state's order, which is the order they
  // are compiled in: the first cause of anything added twice is the same as compiling
  // everything in one pass. One workspace is compiled and built at a time, so that what
  // its builder holds is garbage before the next one starts, not kept until the end.
  const contents = new Map<string, WorkspaceContents>();
  const contentsOf = (id: string): WorkspaceContents | undefined => {
    if (only !== undefined && !only.has(id)) return undefined;
    let found = contents.get(id);
    if (found === undefined) contents.set(id, (found = { nodes: [], routes: [], instances: [] }));
    return found;
  };
  for (const id of state.workspaces) contentsOf(id);
  for (const node of state.nodes.values()) {
    const workspace = contentsOf(node.workspace);
    if (workspace === undefined) continue;
    workspace.nodes.push(node);
    if (node.kind === 'HttpRoute' || node.kind === 'GrpcRoute') workspace.routes.push(node);
  }
  for (const instance of state.instances) contentsOf(instance.workspace)?.instances.push(instance);

  const models = new Map<string, WorkspaceModel>();
  for (const [id, workspace] of contents) {
    const builder = new WorkspaceBuilder(id);
    const context: CompileContext = { principals, ...workspace };
    for (const node of workspace.nodes) compileNode(builder, node, state, context);
    for (const instance of workspace.instances) compileInstance(builder, instance, state);
    models.set(id, builder.build());
  }
  return models;
}

/** What one workspace is compiled from. */
interface WorkspaceContents {
  readonly nodes: GraphNode[];
  /** The HttpRoutes and GrpcRoutes among its nodes. */
  readonly routes: GraphNode[];
  readonly instances: ApplicationInstance[];
}

/** What compiling one node needs to know about the others, gathered once per workspace. */
interface CompileContext {
  readonly principals: Principals;
  readonly instances: readonly ApplicationInstance[];
  readonly routes: readonly GraphNode[];
}

function compileNode(
  ws: WorkspaceBuilder,
  node: GraphNode,
  state: DesiredState,
  context: CompileContext,
): void {
  const principals = context.principals;
  const at = (pointer: string): Provenance => ({ file: node.file, pointer });
  const resource = (
    type: string,
    name: string,
    attributes: { [key: string]: Json },
    pointer = '/metadata/name',
  ) => {
    const address = modelAddress(type, name);
    ws.resource({ address, type, attributes, cause: at(pointer) });
    return address;
  };
  const people = (
    address: string,
    roles: Readonly<Record<(typeof accessLevels)[number], readonly string[]>>,
  ) => {
    const permissions = ownPermissions(node.manifest);
    if (permissions === undefined) return;
    for (const level of accessLevels) {
      // One cause for every role the grant gives: the same entry caused them all.
      const grant = (member: string, cause: Provenance) => {
        for (const role of roles[level]) ws.bind({ resource: address, role, member, cause });
      };
      permissions[level]?.groups?.forEach((group, index) => {
        grant(principals.group(group), at(`/spec/permissions/${level}/groups/${index}`));
      });
      permissions[level]?.members?.forEach((member, index) => {
        grant(principals.user(member), at(`/spec/permissions/${level}/members/${index}`));
      });
    }
  };
  const m = node.manifest;
  switch (m.kind) {
    case 'Organization':
      people(
        resource(
          'organization',
          m.metadata.name,
          pick(m.spec, ['displayName', 'domain', 'defaultRegion', 'github']),
        ),
        peopleRoles,
      );
      break;
    case 'OrganizationalUnit':
      people(
        resource('folder', m.metadata.name, { displayName: m.spec.displayName ?? m.metadata.name }),
        peopleRoles,
      );
      break;
    case 'Environment':
      people(
        resource('folder', `${m.metadata['organizational-unit']}.${m.metadata.name}`, {
          parent: folderAddress(m.metadata['organizational-unit']),
          displayName: m.spec.displayName ?? m.metadata.name,
          ...pick(m.spec, ['network']),
        }),
        peopleRoles,
      );
      break;
    case 'OrganizationUserGroup':
      resource('group', m.metadata.name, {
        parent: m.spec.parent || null,
        users: [...(m.spec.members?.users ?? [])].sort(),
        external: [...(m.spec.members?.external ?? [])].sort(),
      });
      break;
    case 'ArtifactRegistry': {
      const address = resource('artifact_registry', m.metadata.name, {
        type: m.spec.type,
        enabled: m.spec.enabled ?? true,
        vulnerabilityScanning: true,
      });
      for (const [level, role] of [
        ['readers', workloadRoles.registryReader],
        ['writers', workloadRoles.registryWriter],
      ] as const) {
        m.spec.permissions?.[level]?.groups?.forEach((group, index) => {
          ws.bind({
            resource: address,
            role,
            member: principals.group(group),
            cause: at(`/spec/permissions/${level}/groups/${index}`),
          });
        });
        m.spec.permissions?.[level]?.members?.forEach((member, index) => {
          ws.bind({
            resource: address,
            role,
            member: principals.user(member),
            cause: at(`/spec/permissions/${level}/members/${index}`),
          });
        });
      }
      break;
    }
    case 'GithubConnection':
      resource(
        'github_connection',
        m.metadata.name,
        pick(m.spec, ['owner', 'authenticationMethod', 'hostname']),
      );
      break;
    case 'GithubRepository': {
      const address = resource('github_repository', m.metadata.name, {
        ...pick(m.spec, ['public', 'strategy', 'configuration', 'template']),
        name: m.spec.name ?? m.metadata.name,
      });
      for (const level of accessLevels) {
        const role = `github/${repositoryRoles[level]}`;
        m.spec.permissions?.[level]?.groups?.forEach((group, index) => {
          ws.bind({
            resource: address,
            role,
            member: `github-team:${group}`,
            cause: at(`/spec/permissions/${level}/groups/${index}`),
          });
        });
        m.spec.permissions?.[level]?.members?.forEach((member, index) => {
          ws.bind({
            resource: address,
            role,
            member: `github-user:${member}`,
            cause: at(`/spec/permissions/${level}/members/${index}`),
          });
        });
      }
      break;
    }
    case 'BuildDefinition':
      resource('build_definition', `${m.metadata['github-repository']}.${m.metadata.name}`, {
        repository: modelAddress('github_repository', m.metadata['github-repository']),
        ...pick(m.spec, ['type', 'workDir', 'stages', 'golang', 'publish', 'containerize']),
      });
      break;
    case 'Project': {
      people(
        resource('project', m.metadata.name, {
          unit: m.metadata['organizational-unit'],
          environment: m.metadata.environment,
          region: node.region ?? null,
          ...pick(m.spec, ['displayName', 'maintenance', 'hibernation']),
        }),
        peopleRoles,
      );
      const instances = context.instances;
      compileProjectNetwork(ws, m, node.file, {
        routed: routedServices(state, context.routes, instances),
        workloads: instances.map((instance) =>
          applicationMember(state.nodes.get(instance.application)?.name ?? ''),
        ),
      });
      break;
    }
    case 'Database':
      resource('alloydb_cluster', m.metadata.name, {
        region: node.region ?? null,
        ...pick(m.spec, ['alloydb', 'lifecycle']),
        databases: (m.spec.databases ?? []).map((db) => db.name),
      });
      break;
    case 'Secret':
      people(
        resource('secret', m.metadata.name, {
          replication: 'automatic',
          ...pick(m.spec, ['lifecycle']),
        }),
        secretRoles,
      );
      break;
    case 'PubSub':
      resource('pubsub_topic', m.metadata.name, {
        region: node.region ?? null,
        ...pick(m.spec, [
          'encrypted',
          'allowedPersistenceRegions',
          'messageRetentionDurationSeconds',
          'lifecycle',
        ]),
      });
      m.spec.notifications?.forEach((notification, index) => {
        pushSubscription(
          ws,
          'pubsub_subscription',
          m.metadata.name,
          notification.deploymentConfig,
          notification.path ?? '/',
          at(`/spec/notifications/${index}`),
        );
      });
      break;
    case 'Bucket':
      resource('bucket', m.metadata.name, {
        region: node.region ?? null,
        scanForMalware: m.spec.scanForMalware ?? false,
        ...pick(m.spec, ['lifecycle']),
      });
      m.spec.notifications?.forEach((notification, index) => {
        pushSubscription(
          ws,
          'bucket_notification',
          m.metadata.name,
          notification.deploymentConfig,
          notification.path ?? '/',
          at(`/spec/notifications/${index}`),
        );
      });
      break;
    case 'PublicIngress': {
      resource('public_ingress', m.metadata.name, {
        region: node.region ?? null,
        domain: m.spec.domain as Json,
      });
      compileIngressBackends(ws, node, context);
      break;
    }
    case 'HttpRoute':
    case 'GrpcRoute': {
      const ingress = m.metadata['public-ingress'];
      resource('route', `${ingress}.${m.metadata.name}`, {
        ingress: modelAddress('public_ingress', ingress),
        protocol: m.kind === 'HttpRoute' ? 'http' : 'grpc',
        rules: m.spec.rules as Json,
      });
      m.spec.rules.forEach((rule, ruleIndex) => {
        rule.action.destinations.forEach((destination, index) => {
          const service = modelAddress('cloud_run_service', destination.deploymentConfig);
          const cause = at(`/spec/rules/${ruleIndex}/action/destinations/${index}`);
          ws.bind({
            resource: service,
            role: workloadRoles.invoker,
            member: `loadBalancer:${ingress}`,
            cause,
          });
          if (isAuthenticated(rule)) {
            ws.bind({
              resource: service,
              role: workloadRoles.invoker,
              member: 'serviceAgent:iap',
              cause,
            });
          }
        });
      });
      break;
    }
    case 'DeploymentConfig':
    case 'Application':
    case 'ExternalApplication':
    case 'OrganizationUser':
    case 'ReleaseTrack':
    case 'ApplicationSet':
      // Applications become resources per instance; the rest describe, they create nothing.
      break;
  }
}

/**
 * An ingress's backends, one per service and set of who may pass, each with its own IAP
 * accessors: the rule's authorization where it has one, else the ingress's iapPermissions.
 */
function compileIngressBackends(
  ws: WorkspaceBuilder,
  node: GraphNode,
  context: CompileContext,
): void {
  const m = node.manifest;
  if (m.kind !== 'PublicIngress') return;
  const routing = ingressRouting({
    name: m.metadata.name,
    domain: m.spec.domain,
    routes: context.routes.flatMap((route) =>
      (route.manifest.kind === 'HttpRoute' || route.manifest.kind === 'GrpcRoute') &&
      route.manifest.metadata['public-ingress'] === m.metadata.name
        ? [
            {
              name: route.name,
              file: route.file,
              rules: route.manifest.spec.rules as readonly RouteRule[],
            },
          ]
        : [],
    ),
  });
  const organization = m.metadata.organization;
  const principals = context.principals;
  for (const backend of routing.backends) {
    const address = `ingress_backend.${m.metadata.name}.${backend.key}`;
    ws.resource({
      address,
      type: 'ingress_backend',
      attributes: {
        ingress: `public_ingress.${m.metadata.name}`,
        service: `cloud_run_service.${backend.service}`,
        audience: backend.audience,
        authorization: backend.authorization ?? 'iapPermissions',
      },
      cause: backend.cause,
    });
    if (backend.audience !== 'INTERNAL') continue;
    const grant = (kind: 'groups' | 'members', name: string, cause: Provenance) => {
      ws.bind({
        resource: address,
        role: workloadRoles.iapAccessor,
        member: kind === 'groups' ? principals.group(name) : principals.user(name),
        cause,
        subject: `${kind === 'groups' ? 'OrganizationUserGroup' : 'OrganizationUser'}:${organization}/${name}`,
      });
    };
    if (backend.authorization === undefined) {
      for (const kind of ['groups', 'members'] as const) {
        m.spec.iapPermissions?.[kind]?.forEach((name, index) => {
          grant(kind, name, { file: node.file, pointer: `/spec/iapPermissions/${kind}/${index}` });
        });
      }
    } else {
      for (const kind of ['groups', 'members'] as const) {
        for (const name of backend.authorization[kind])
          grant(kind, name, backend.authorizedBy ?? backend.cause);
      }
    }
  }
}

/** The services of a project that its routes send traffic to, with their ports. */
function routedServices(
  state: DesiredState,
  routes: readonly GraphNode[],
  instances: readonly ApplicationInstance[],
) {
  const served = new Set(
    instances.map((instance) => state.nodes.get(instance.deploymentConfig)?.name),
  );
  const routed: { serviceAccount: string; port: number }[] = [];
  for (const route of routes) {
    if (route.manifest.kind !== 'HttpRoute' && route.manifest.kind !== 'GrpcRoute') continue;
    for (const rule of route.manifest.spec.rules) {
      for (const destination of rule.action.destinations) {
        if (served.has(destination.deploymentConfig)) {
          routed.push({
            serviceAccount: applicationMember(destination.deploymentConfig),
            port: destination.port,
          });
        }
      }
    }
  }
  return routed;
}
