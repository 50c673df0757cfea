/**
 * Derives one project in one environment, and what exists in it there: secrets,
 * databases, topics, buckets, ingresses with their routes, and DeploymentConfigs.
 */
import type { ProjectBlueprint } from './blueprint.ts';
import { principals, withPermissions } from './grants.ts';
import {
  chooseOne,
  identityOf,
  type OrganizationBuilder,
  type People,
  type ProjectInstance,
  type References,
  type Target,
} from './organization-builder.ts';

export function deriveProject(
  org: OrganizationBuilder,
  project: ProjectBlueprint,
  context: {
    environment: string;
    e: number;
    inUnit: { 'organizational-unit': string; organization: string };
    people: People;
  },
): ProjectInstance {
  const { e, people } = context;
  const inEnvironment = { environment: context.environment, ...context.inUnit };
  const projectTarget = org.add('Project', { name: project.name, ...inEnvironment }, (refs) => ({
    ...project.free,
    ...withPermissions(project.permissions, people, refs),
  }));
  const inProject = { project: project.name, ...inEnvironment };
  const present = <T extends { present: boolean[] }>(items: readonly T[]) =>
    items.filter((item) => item.present[e] === true);

  const secrets = new Map<string, Target>();
  for (const secret of present(project.secrets)) {
    const target = org.add('Secret', { name: secret.name, ...inProject }, (refs) => ({
      ...(secret.description !== undefined && { description: secret.description }),
      ...withPermissions(secret.permissions, people, refs),
    }));
    secrets.set(secret.name, target);
  }

  const databases = new Map<string, { target: Target; schemas: readonly string[] }>();
  for (const database of present(project.databases)) {
    const schemas = present(database.schemas).map((schema) => schema.name);
    const target = org.add('Database', { name: database.name, ...inProject }, () => ({
      ...database.free,
      ...((schemas.length > 0 || database.writeEmpty) && {
        databases: schemas.map((name) => ({ name })),
      }),
    }));
    databases.set(database.name, { target, schemas });
  }

  // DeploymentConfigs are named before anything points at them; buckets before mounts.
  const deploymentsHere = present(project.deployments);
  const deploymentTargets = deploymentsHere.map((deployment) => ({
    name: deployment.name,
    id: identityOf('DeploymentConfig', { name: deployment.name, ...inProject }),
  }));
  const bucketsHere = present(project.buckets);
  const bucketTargets = bucketsHere.map((bucket) => ({
    name: bucket.name,
    id: identityOf('Bucket', { name: bucket.name, ...inProject }),
  }));

  const notifications = (
    chosen: readonly { deploymentConfig: number; path?: string }[] | undefined,
    refs: References,
  ) =>
    chosen === undefined || deploymentTargets.length === 0
      ? {}
      : {
          notifications: chosen.map((notification, index) => ({
            deploymentConfig: refs
              .at('notifications', index, 'deploymentConfig')
              .name(chooseOne(notification.deploymentConfig, deploymentTargets) as Target),
            ...(notification.path !== undefined && { path: notification.path }),
          })),
        };

  const topics = new Map<string, Target>();
  for (const topic of present(project.topics)) {
    const target = org.add('PubSub', { name: topic.name, ...inProject }, (refs) => ({
      ...topic.free,
      ...notifications(topic.notifications, refs),
    }));
    topics.set(topic.name, target);
  }

  for (const bucket of bucketsHere) {
    org.add('Bucket', { name: bucket.name, ...inProject }, (refs) => ({
      ...bucket.free,
      ...notifications(bucket.notifications, refs),
    }));
  }

  for (const ingress of present(project.ingresses)) {
    org.add('PublicIngress', { name: ingress.name, ...inProject }, (refs) => ({
      ...ingress.free,
      ...(ingress.iap && {
        iapPermissions: principals(ingress.iap, people, refs.at('iapPermissions')),
      }),
    }));
    if (deploymentTargets.length === 0) continue;
    for (const route of present(ingress.routes)) {
      const metadata = { name: route.name, 'public-ingress': ingress.name, ...inProject };
      const rules = (refs: References) =>
        route.rules.map((rule, index) => {
          const at = refs.at('rules', index);
          return {
            ...(rule.authentication && { authentication: rule.authentication }),
            ...(rule.authorization && {
              authorization: rule.authorization.map((entry, i) =>
                principals(entry, people, at.at('authorization', i)),
              ),
            }),
            action: {
              destinations: rule.destinations.map((destination, i) => ({
                deploymentConfig: at
                  .at('action', 'destinations', i, 'deploymentConfig')
                  .name(chooseOne(destination.deploymentConfig, deploymentTargets) as Target),
                port: destination.port,
                ...(destination.weight !== undefined && { weight: destination.weight }),
              })),
            },
          };
        });
      const description = route.description === undefined ? {} : { description: route.description };
      if (route.kind === 'HttpRoute') {
        org.add('HttpRoute', metadata, (refs) => ({
          ...description,
          rules: rules(refs).map((rule, index) => ({
            matches: route.rules[index]?.httpMatches ?? [],
            ...rule,
          })),
        }));
      } else {
        org.add('GrpcRoute', metadata, (refs) => ({
          ...description,
          rules: rules(refs).map((rule, index) => ({
            matches: route.rules[index]?.grpcMatches ?? [],
            ...rule,
          })),
        }));
      }
    }
  }

  const deployments = new Map<string, Target>();
  for (const deployment of deploymentsHere) {
    const target = org.add('DeploymentConfig', { name: deployment.name, ...inProject }, (refs) => ({
      ...deployment.free,
      ...(deployment.bucketMounts &&
        bucketTargets.length > 0 && {
          bucketMounts: deployment.bucketMounts.map((mount, index) => ({
            bucket: refs
              .at('bucketMounts', index, 'bucket')
              .name(chooseOne(mount.bucket, bucketTargets) as Target),
            mountPath: mount.mountPath,
            ...(mount.readOnly !== undefined && { readOnly: mount.readOnly }),
          })),
        }),
    }));
    deployments.set(deployment.name, target);
  }

  return { project: projectTarget, secrets, databases, topics, deployments };
}
