import { createIssue, type Issue } from '../issues/issue.ts';
import type { RuleId } from '../issues/rules.ts';
import { parseEgressDestination } from '../manifests/egress-destination.ts';
import { locate } from '../parse/source-document.ts';
import type { DesiredState, GraphNode } from './desired-state.ts';
import { accessLevels } from '../manifests/permissions.ts';
import { checkNaming } from '../naming/check-naming.ts';

/** Environment names that mean production even when no release track says so. */
const PRODUCTION_NAMES = new Set(['production', 'prod']);

/** Environment variable names that usually carry a credential. */
const SECRET_NAME =
  /(?:^|_)(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS?)(?:$|_)/;

/**
 * The security rules no repository may break, on top of validation. Each rule has a
 * stable id and a documented reason (the rule registry, and docs/policy.md); errors stop
 * the pipeline, warnings are shown. `complete` says the repository validated without
 * errors: rules that need the whole graph (what serves a route) run only then, so that
 * one invalid file does not cascade into misleading findings.
 */
export function checkPolicy(state: DesiredState, complete: boolean): Issue[] {
  const issues: Issue[] = [];
  const report = (node: GraphNode, rule: RuleId, pointer: string, message: string, part?: 'key') =>
    issues.push(createIssue(rule, locate(node.source, pointer, part), message));

  const production = productionEnvironments(state);
  const served = new Set(state.instances.map((instance) => instance.deploymentConfig));
  let groupsUsed: GraphNode | undefined;

  for (const node of state.nodes.values()) {
    const m = node.manifest;
    if (groupsUsed === undefined && usesGroups(node)) groupsUsed = node;
    switch (m.kind) {
      case 'Project':
        m.spec.allowedEgress?.forEach((entry, index) => {
          const destination = parseEgressDestination(entry);
          const pointer = `/spec/allowedEgress/${index}`;
          if (
            destination?.type === 'everything' ||
            (destination?.type === 'cidr' && destination.prefix === 0)
          ) {
            report(
              node,
              'policy/egress-everything',
              pointer,
              `allowedEgress: expected specific hosts or ranges, found "${entry}", which allows everything; list what the project calls`,
            );
          } else if (
            destination?.type === 'cidr' &&
            destination.prefix < (destination.version === 4 ? 16 : 32)
          ) {
            report(
              node,
              'policy/egress-broad-range',
              pointer,
              `allowedEgress: "${entry}" spans ${destination.version === 4 ? 2 ** (32 - destination.prefix) : 'very many'} addresses; narrow it to the service's range`,
            );
          }
        });
        break;
      case 'Bucket':
        if (m.spec.public === true) {
          report(
            node,
            'policy/public-bucket',
            '/spec/public',
            'spec.public: expected false, found true; serve public files through a PublicIngress instead',
          );
        }
        if (complete) checkNotifications(node, m.spec.notifications, m.metadata.environment);
        break;
      case 'ArtifactRegistry':
        if (m.spec.public === true)
          report(
            node,
            'policy/public-registry',
            '/spec/public',
            'spec.public: expected false, found true; registries are readable by the listed readers only',
          );
        break;
      case 'PublicIngress':
        break;
      case 'HttpRoute':
      case 'GrpcRoute': {
        const ingress = state.nodes.get(node.ancestors[0] ?? '');
        const iap =
          ingress?.manifest.kind === 'PublicIngress'
            ? ingress.manifest.spec.iapPermissions
            : undefined;
        const iapEmpty = (iap?.groups?.length ?? 0) + (iap?.members?.length ?? 0) === 0;
        m.spec.rules.forEach((rule, index) => {
          const pointer = `/spec/rules/${index}`;
          const targets = rule.action.destinations
            .map((destination) => destination.deploymentConfig)
            .join(', ');
          if (rule.authentication === undefined || rule.authentication.length === 0) {
            report(
              node,
              'policy/public-route',
              pointer,
              `rules[${index}]: no authentication, so ${describeMatches(rule.matches)} → ${targets} is public to the internet; add authentication unless that is the intent`,
            );
          } else if (iapEmpty && rule.authentication.some((entry) => entry.type === 'INTERNAL')) {
            report(
              node,
              'policy/iap-without-access',
              pointer,
              `rules[${index}]: INTERNAL authentication, but PublicIngress "${ingress?.name ?? ''}" lists no iapPermissions, so nobody can pass`,
            );
          }
          if (!complete) return;
          rule.action.destinations.forEach((destination, d) => {
            if (!served.has(deploymentConfigId(node, destination.deploymentConfig))) {
              report(
                node,
                'policy/unserved-destination',
                `${pointer}/action/destinations/${d}/deploymentConfig`,
                `expected a DeploymentConfig that an application deploys here, found "${destination.deploymentConfig}", which no application of a release track covering environment "${m.metadata.environment}" uses`,
              );
            }
          });
        });
        break;
      }
      case 'PubSub':
        if (complete) checkNotifications(node, m.spec.notifications, m.metadata.environment);
        break;
      case 'ExternalApplication':
        if (!/@sha256:[0-9a-f]{64}$/.test(m.spec.image)) {
          report(
            node,
            'policy/unpinned-image',
            '/spec/image',
            `spec.image: expected an image pinned by digest (…@sha256:<64 hex>), found "${m.spec.image}"`,
          );
        }
        break;
      case 'DeploymentConfig':
        for (const container of ['container', 'migrationJobContainer'] as const) {
          m.spec[container]?.env?.forEach((variable, index) => {
            if (SECRET_NAME.test(variable.name) && variable.value !== '') {
              report(
                node,
                'policy/literal-secret',
                `/spec/${container}/env/${index}/value`,
                `${variable.name}: expected a secret reference (Application accessControl.secrets), found a literal value in Git`,
              );
            }
          });
        }
        break;
      default:
        break;
    }
    const environment = environmentOf(node);
    if (environment !== undefined && production.has(environment)) {
      for (const level of accessLevels) {
        const permissions = permissionsOf(node);
        permissions?.[level]?.members?.forEach((member, index) => {
          report(
            node,
            'policy/user-on-production',
            `/spec/permissions/${level}/members/${index}`,
            `permissions.${level}: expected groups only in production environment "${environment.split('/').at(-1) ?? ''}", found user "${member}"; add them to a group`,
          );
        });
      }
    }
  }

  function checkNotifications(
    node: GraphNode,
    notifications: readonly { deploymentConfig: string }[] | undefined,
    environment: string,
  ): void {
    notifications?.forEach((notification, index) => {
      if (!served.has(deploymentConfigId(node, notification.deploymentConfig))) {
        report(
          node,
          'policy/unserved-destination',
          `/spec/notifications/${index}/deploymentConfig`,
          `expected a DeploymentConfig that an application deploys here, found "${notification.deploymentConfig}", which no application deployed to environment "${environment}" uses`,
        );
      }
    });
  }

  const organization = state.organization;
  if (organization?.manifest.kind === 'Organization' && groupsUsed !== undefined) {
    const spec = organization.manifest.spec;
    if (spec.workforceFederation === undefined && spec.domain?.external === undefined) {
      report(
        organization,
        'policy/no-identity-source',
        '/spec',
        `expected workforceFederation or domain.external, so that groups such as those in ${groupsUsed.file} become Google Cloud principals; found neither`,
        'key',
      );
    }
  }
  if (complete) issues.push(...checkNaming(state));
  return issues;
}

function usesGroups(node: GraphNode): boolean {
  return Object.values(node.permissions).some((principals) => principals.groups.length > 0);
}

/** Environments a release track releases to, and those named production. */
function productionEnvironments(state: DesiredState): Set<string> {
  const production = new Set<string>();
  for (const node of state.nodes.values()) {
    if (node.manifest.kind === 'Environment' && PRODUCTION_NAMES.has(node.name))
      production.add(node.id);
    if (node.manifest.kind !== 'ReleaseTrack') continue;
    const unit = `${node.manifest.metadata.organization}/${node.manifest.metadata['organizational-unit']}`;
    for (const stage of node.manifest.spec.releaseStages ?? []) {
      for (const environment of stage.environments)
        production.add(`Environment:${unit}/${environment}`);
    }
  }
  return production;
}

/** The environment a project-scoped manifest (or an environment itself) is in, by id. */
function environmentOf(node: GraphNode): string | undefined {
  if (node.kind === 'Environment') return node.id;
  return node.ancestors.find((id) => id.startsWith('Environment:'));
}

function permissionsOf(node: GraphNode) {
  const m = node.manifest;
  return m.kind === 'Project' || m.kind === 'Secret' || m.kind === 'Environment'
    ? m.spec.permissions
    : undefined;
}

function deploymentConfigId(node: GraphNode, name: string): string {
  const project = node.ancestors.find((id) => id.startsWith('Project:')) ?? '';
  return `DeploymentConfig:${project.slice('Project:'.length)}/${name}`;
}

function describeMatches(matches: readonly object[]): string {
  return matches
    .map((match) =>
      Object.values(match)
        .filter((value) => typeof value === 'string')
        .join(' '),
    )
    .join(', ');
}
