import { createIssue, type Issue } from '../issues/issue.ts';
import type { RuleId } from '../issues/rules.ts';
import { parseEgressDestination, type CidrRange } from '../manifests/egress-destination.ts';
import { locate } from '../parse/source-document.ts';
import type { DesiredState, GraphNode } from './desired-state.ts';
import { accessLevels } from '../manifests/permissions.ts';
import type { Principals } from './ingress-routing.ts';
import { checkRoutes } from './route-policy.ts';
import { addressCount, addressRangeOf, publicReach, PUBLIC_IPV4_ADDRESSES } from './ip-ranges.ts';
import { GOOGLE_API_RANGES } from './network.ts';
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
        checkEgress(node, m.spec.allowedEgress ?? []);
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
        const nobody = (principals: readonly Principals[]) =>
          principals.every(
            (entry) => (entry.groups?.length ?? 0) + (entry.members?.length ?? 0) === 0,
          );
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
          } else if (nobody(rule.authorization ?? (iap === undefined ? [] : [iap]))) {
            report(
              node,
              'policy/iap-without-access',
              pointer,
              rule.authorization === undefined
                ? `rules[${index}]: authentication, but PublicIngress "${ingress?.name ?? ''}" lists no iapPermissions, so nobody can pass`
                : `rules[${index}]: authorization names nobody, so nobody can pass`,
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

  /**
   * Egress is judged entry by entry (everything is refused, broad ranges are shown) and
   * as the set the project's workloads reach together, since a list of narrow ranges can
   * add up to the internet as surely as one wide range.
   */
  function checkEgress(node: GraphNode, entries: readonly string[]): void {
    const ranges: EgressRange[] = [];
    let everything = false;
    for (const [index, entry] of entries.entries()) {
      const destination = parseEgressDestination(entry);
      if (
        destination?.type === 'everything' ||
        (destination?.type === 'cidr' && destination.prefix === 0)
      ) {
        everything = true;
        report(
          node,
          'policy/egress-everything',
          `/spec/allowedEgress/${index}`,
          `allowedEgress: expected specific hosts or ranges, found "${entry}", which allows everything; list what the project calls`,
        );
      } else if (destination?.type === 'cidr') {
        ranges.push({ entry, pointer: `/spec/allowedEgress/${index}`, range: destination });
      }
    }
    // A list that allows everything is refused already; its union would only say it again.
    if (everything || ranges.length === 0) return;
    const refusal = egressUnionRefusal(ranges);
    if (refusal !== undefined) {
      issues.push(
        createIssue(
          'policy/egress-union',
          locate(node.source, '/spec/allowedEgress', 'key'),
          refusal.message,
          refusal.contributors.map((contributor) => ({
            ...locate(node.source, contributor.pointer),
            message: contributor.reach,
          })),
        ),
      );
      return;
    }
    for (const { entry, pointer, range } of ranges) {
      if (range.prefix < (range.version === 4 ? 16 : 32)) {
        report(
          node,
          'policy/egress-broad-range',
          pointer,
          `allowedEgress: "${entry}" spans ${range.version === 4 ? 2 ** (32 - range.prefix) : 'very many'} addresses; narrow it to the service's range`,
        );
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

  issues.push(...checkRoutes(state));

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

/** One CIDR entry of a project's allowedEgress. */
interface EgressRange {
  readonly entry: string;
  readonly pointer: string;
  readonly range: CidrRange;
}

/** An entry that makes up a refused union: the entry as the message names it, and its reach. */
interface EgressContributor {
  readonly pointer: string;
  readonly entry: string;
  readonly reach: string;
}

/**
 * Public addresses the workloads of a project may reach, per family, before egress counts
 * as the internet: one /8 of IPv4, and one /24 of IPv6 (the /16-to-/32 scale of
 * `policy/egress-broad-range`, shifted by 8 bits). Reaching as much is refused.
 */
const EGRESS_REACH_LIMIT = { ipv4: 2n ** 24n, ipv6: 2n ** 104n } as const;

/** Private Google Access, which every project's workloads reach besides allowedEgress. */
const GOOGLE_API_CIDRS = GOOGLE_API_RANGES.map((text) => parseEgressDestination(text)).filter(
  (range) => range?.type === 'cidr',
);

/**
 * Why the ranges of a project reach too much of the internet together, with the entries
 * that contribute, or undefined when they do not. The union is the project's ranges and
 * Private Google Access; an IPv6 range that embeds IPv4 counts for the IPv4 it reaches.
 */
function egressUnionRefusal(
  ranges: readonly EgressRange[],
): { readonly message: string; readonly contributors: readonly EgressContributor[] } | undefined {
  const union = publicReach(
    [...ranges.map(({ range }) => range), ...GOOGLE_API_CIDRS].map(addressRangeOf),
  );
  const ipv4 = addressCount(union.ipv4);
  const ipv6 = addressCount(union.ipv6);
  const overIpv4 = ipv4 >= EGRESS_REACH_LIMIT.ipv4;
  const overIpv6 = ipv6 >= EGRESS_REACH_LIMIT.ipv6;
  if (!overIpv4 && !overIpv6) return undefined;
  const contributors = ranges.flatMap(({ entry, pointer, range }): EgressContributor[] => {
    const reach = publicReach([addressRangeOf(range)]);
    const through = reach.embeddings.length > 0 ? ` (${reach.embeddings.join(', ')})` : '';
    const parts = [
      ...(overIpv4 && reach.ipv4.length > 0 ? [describeIpv4(addressCount(reach.ipv4))] : []),
      ...(overIpv6 && reach.ipv6.length > 0 ? [describeIpv6(addressCount(reach.ipv6))] : []),
    ];
    return parts.length === 0
      ? []
      : [
          {
            pointer,
            entry: `"${entry}"${through}`,
            reach: `"${entry}"${through} reaches ${parts.join(' and ')}`,
          },
        ];
  });
  const reached = [
    ...(overIpv4 ? [describeIpv4(ipv4)] : []),
    ...(overIpv6 ? [describeIpv6(ipv6)] : []),
  ];
  return {
    message: `allowedEgress: expected ranges that together reach less than one /8 of public IPv4 addresses and less than one /24 of public IPv6, found ${contributors.map((contributor) => contributor.entry).join(', ')}, which together reach ${reached.join(' and ')}; list the ranges of the services the project calls`,
    contributors,
  };
}

/** `3,702,258,432 public IPv4 addresses (100% of the public IPv4 internet)`. */
function describeIpv4(count: bigint): string {
  const share = Number((count * 1000n) / PUBLIC_IPV4_ADDRESSES) / 10;
  return `${groupDigits(count)} public IPv4 addresses (${share}% of the public IPv4 internet)`;
}

/** `public IPv6 addresses worth 8,192 /24s`: IPv6 counts are too long to read. */
function describeIpv6(count: bigint): string {
  const tenths = (count * 10n) / EGRESS_REACH_LIMIT.ipv6;
  const decimal = tenths % 10n === 0n ? '' : `.${tenths % 10n}`;
  const plural = tenths === 10n ? '' : 's';
  return `public IPv6 addresses worth ${groupDigits(tenths / 10n)}${decimal} /24${plural}`;
}

function groupDigits(count: bigint): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
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
