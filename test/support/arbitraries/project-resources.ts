/**
 * Derives one project in one environment, and what exists in it there: secrets,
 * databases, topics, buckets, ingresses with their routes, and DeploymentConfigs.
 */
import type { ProjectBlueprint } from './blueprint.ts';
import { matcherOf } from '../../../shared/core/governance/ingress-routing.ts';
import { shortHash } from '../../../shared/core/naming/hash.ts';
import { principals, withPermissions } from './grants.ts';
import type { Spec } from './spec-fields.ts';
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
    const domain = ingress.free.domain;
    org.add('PublicIngress', { name: ingress.name, ...inProject }, (refs) => ({
      ...ingress.free,
      // A host has one load balancer: each instance of the project gets a host of its own.
      ...(domain.name !== undefined && {
        domain: { ...domain, name: uniqueHost(domain.name, inProject) },
      }),
      ...(ingress.iap && {
        iapPermissions: principals(ingress.iap, people, refs.at('iapPermissions')),
      }),
    }));
    if (deploymentTargets.length === 0) continue;
    // One rule per host and path: a match a rule before it already claims is left out.
    const claimed = new Set<string>();
    for (const route of present(ingress.routes)) {
      const host = domain.dns === 'GOOGLE_MANAGED' ? route.name : '';
      const chosenRules = route.rules.flatMap((rule) => {
        const matches = (route.kind === 'HttpRoute' ? rule.httpMatches : rule.grpcMatches).filter(
          (match) => {
            const matcher = matcherOf(match);
            const key = `${host} ${matcher.type} ${matcher.value}`;
            if (claimed.has(key)) return false;
            claimed.add(key);
            return true;
          },
        );
        return matches.length === 0 ? [] : [{ rule, matches }];
      });
      if (chosenRules.length === 0) continue;
      const metadata = { name: route.name, 'public-ingress': ingress.name, ...inProject };
      const rules = (refs: References) =>
        chosenRules.map(({ rule, matches }, index) => {
          const at = refs.at('rules', index);
          const authenticated = rule.authentication !== undefined && rule.authentication.length > 0;
          const weighted = rule.destinations.some(
            (destination) => destination.weight !== undefined,
          );
          return {
            matches,
            ...(rule.authentication && { authentication: rule.authentication }),
            // Authorization narrows iapPermissions, and needs someone signed in.
            ...(authenticated &&
              rule.authorization &&
              ingress.iap && {
                authorization: rule.authorization.map((_, i) =>
                  principals(ingress.iap ?? {}, people, at.at('authorization', i)),
                ),
              }),
            action: {
              destinations: rule.destinations.map((destination, i) => ({
                deploymentConfig: at
                  .at('action', 'destinations', i, 'deploymentConfig')
                  .name(chooseOne(destination.deploymentConfig, deploymentTargets) as Target),
                port: destination.port,
                ...(weighted && { weight: destination.weight ?? 1 }),
              })),
            },
          };
        });
      const description = route.description === undefined ? {} : { description: route.description };
      if (route.kind === 'HttpRoute') {
        org.add('HttpRoute', metadata, (refs) => ({
          ...description,
          rules: rules(refs),
        }));
      } else {
        org.add('GrpcRoute', metadata, (refs) => ({
          ...description,
          rules: rules(refs) as Spec<'GrpcRoute'>['rules'],
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

/** A host name of this project instance alone, within the 253 characters of a host name. */
function uniqueHost(host: string, scope: Readonly<Record<string, string>>): string {
  const unique = `x${shortHash(JSON.stringify(scope))}.${host}`;
  return unique.length <= 253 ? unique : `x${shortHash(JSON.stringify(scope))}.example.com`;
}
