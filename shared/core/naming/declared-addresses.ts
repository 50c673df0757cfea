import type { DesiredState, GraphNode } from '../governance/desired-state.ts';
import type { Provenance } from '../governance/governance-model.ts';
import type { GeneratedName } from './generated-name.ts';
import {
  connectionSecret,
  folderAddress,
  modelAddress,
  pushIdentity,
  type PushSource,
} from './model-addresses.ts';

/**
 * The model address of everything each declaration makes, workspace by workspace, owned
 * by the declaration: compiling keeps one resource per address, so two declarations of
 * one address (two applications of one name placed in one project, two repositories of
 * one name in two GitHub connections) would silently become one. A push subscription is
 * owned by what it is (its source and service), since a topic's notification and an
 * application's `subscribeTo` may both ask for the same one.
 */
export function declaredAddresses(state: DesiredState): GeneratedName[] {
  const names: GeneratedName[] = [];
  const add = (workspace: string, address: string, owner: string, cause: Provenance) => {
    names.push({ namespace: `model address in ${workspace}`, name: address, owner, cause });
  };
  const push = (
    workspace: string,
    type: PushSource,
    source: string,
    deploymentConfig: string,
    cause: Provenance,
  ) => {
    const owner = `the ${type === 'bucket_notification' ? 'notification of bucket' : 'subscription of topic'} ${source} to ${deploymentConfig} in ${workspace}`;
    const identity = pushIdentity(type, source, deploymentConfig);
    add(workspace, modelAddress('service_account', identity), owner, cause);
    add(workspace, modelAddress(type, source, deploymentConfig), owner, cause);
  };

  for (const node of state.nodes.values()) {
    const at = (pointer: string): Provenance => ({ file: node.file, pointer });
    const own = (address: string) => {
      add(node.workspace, address, describe(node), at('/metadata/name'));
    };
    const m = node.manifest;
    switch (m.kind) {
      case 'Organization':
        own(modelAddress('organization', m.metadata.name));
        break;
      case 'OrganizationalUnit':
        own(folderAddress(m.metadata.name));
        break;
      case 'Environment':
        own(folderAddress(m.metadata['organizational-unit'], m.metadata.name));
        break;
      case 'OrganizationUserGroup':
        own(modelAddress('group', m.metadata.name));
        break;
      case 'ArtifactRegistry':
        own(modelAddress('artifact_registry', m.metadata.name));
        break;
      case 'GithubConnection':
        own(modelAddress('github_connection', m.metadata.name));
        break;
      case 'GithubRepository':
        own(modelAddress('github_repository', m.metadata.name));
        break;
      case 'BuildDefinition':
        own(modelAddress('build_definition', m.metadata['github-repository'], m.metadata.name));
        break;
      case 'Project':
        own(modelAddress('project', m.metadata.name));
        break;
      case 'Database':
        own(modelAddress('alloydb_cluster', m.metadata.name));
        break;
      case 'Secret':
        own(modelAddress('secret', m.metadata.name));
        break;
      case 'PubSub':
        own(modelAddress('pubsub_topic', m.metadata.name));
        m.spec.notifications?.forEach((notification, index) => {
          push(
            node.workspace,
            'pubsub_subscription',
            m.metadata.name,
            notification.deploymentConfig,
            at(`/spec/notifications/${index}`),
          );
        });
        break;
      case 'Bucket':
        own(modelAddress('bucket', m.metadata.name));
        m.spec.notifications?.forEach((notification, index) => {
          push(
            node.workspace,
            'bucket_notification',
            m.metadata.name,
            notification.deploymentConfig,
            at(`/spec/notifications/${index}`),
          );
        });
        break;
      case 'PublicIngress':
        own(modelAddress('public_ingress', m.metadata.name));
        break;
      case 'HttpRoute':
      case 'GrpcRoute':
        own(modelAddress('route', m.metadata['public-ingress'], m.metadata.name));
        break;
      default:
        break;
    }
  }

  for (const instance of state.instances) {
    const application = state.nodes.get(instance.application);
    if (application === undefined) continue;
    const m = application.manifest;
    if (m.kind !== 'Application' && m.kind !== 'ExternalApplication') continue;
    const at = (pointer: string): Provenance => ({ file: application.file, pointer });
    const name = m.metadata.name;
    const owner = describe(application);
    const workspace = instance.workspace;
    add(workspace, modelAddress('service_account', name), owner, at('/metadata/name'));
    add(workspace, modelAddress('cloud_run_service', name), owner, at('/metadata/name'));
    const database = m.spec.accessControl?.database;
    if (database !== undefined) {
      const cause = at('/spec/accessControl/database');
      add(workspace, modelAddress('alloydb_user', database.name, name), owner, cause);
      add(workspace, modelAddress('secret', connectionSecret(name, database.name)), owner, cause);
    }
    m.spec.accessControl?.pubsub?.subscribeTo?.forEach((topic, index) => {
      push(
        workspace,
        'pubsub_subscription',
        topic,
        name,
        at(`/spec/accessControl/pubsub/subscribeTo/${index}`),
      );
    });
  }
  return names;
}

/** A manifest as a plan names it: `Application acme/payments/main/storefront/shop`. */
export function describe(node: GraphNode): string {
  return node.id.replace(':', ' ');
}
