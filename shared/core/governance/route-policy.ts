import { createIssue, type Issue, type RelatedLocation } from '../issues/issue.ts';
import type { RuleId } from '../issues/rules.ts';
import { locate } from '../parse/source-document.ts';
import type { DesiredState, GraphNode } from './desired-state.ts';
import type { Provenance } from './governance-model.ts';
import { ingressRouting, type HostRef, type RouteRule } from './ingress-routing.ts';

/** Google's limit on a path or regular expression of a URL map match. */
const MAX_MATCH_LENGTH = 1024;
/** Google's limit on a weighted destination. */
const MAX_WEIGHT = 1000;

/**
 * What the load balancer cannot render as the routes declare it, refused where it is
 * written: Identity Platform sign-in, matches it cannot express, authorization that nobody
 * signs in for or that admits people the ingress does not, weights it does not take, two
 * rules for one host and path, and two ingresses for one host. Each of these would
 * otherwise be rendered weaker than written, or not at all.
 */
export function checkRoutes(state: DesiredState): Issue[] {
  const issues: Issue[] = [];
  const report = (
    node: GraphNode,
    rule: RuleId,
    pointer: string,
    message: string,
    related?: readonly RelatedLocation[],
  ) => issues.push(createIssue(rule, locate(node.source, pointer), message, related));

  const ingresses = new Map<string, { node: GraphNode; routes: GraphNode[] }>();
  for (const node of state.nodes.values()) {
    if (node.manifest.kind === 'PublicIngress') ingresses.set(node.id, { node, routes: [] });
  }
  for (const node of state.nodes.values()) {
    const m = node.manifest;
    if (m.kind !== 'HttpRoute' && m.kind !== 'GrpcRoute') continue;
    const ingress = ingresses.get(node.ancestors[0] ?? '');
    ingress?.routes.push(node);
    const iap =
      ingress?.node.manifest.kind === 'PublicIngress'
        ? ingress.node.manifest.spec.iapPermissions
        : undefined;
    (m.spec.rules as readonly RouteRule[]).forEach((rule, index) => {
      checkRule(node, rule, `/spec/rules/${index}`, iap, ingress?.node.name ?? '', report);
    });
  }

  const hosts = new Map<string, GraphNode>();
  for (const { node, routes } of ingresses.values()) {
    const m = node.manifest;
    if (m.kind !== 'PublicIngress') continue;
    if (routes.length === 0) {
      report(
        node,
        'route/ingress-without-routes',
        '/metadata/name',
        `PublicIngress "${m.metadata.name}" has no HttpRoute or GrpcRoute, so no load balancer is created for it; add a route or remove it`,
      );
      continue;
    }
    const domain = m.spec.domain.dns === 'GOOGLE_MANAGED' ? undefined : m.spec.domain.name;
    const other = domain === undefined ? undefined : hosts.get(domain);
    if (domain !== undefined && other !== undefined) {
      for (const [here, there] of [
        [node, other],
        [other, node],
      ] as const) {
        report(
          here,
          'route/duplicate-host',
          '/spec/domain/name',
          `expected one PublicIngress for host ${domain}, found another in ${there.file}; a host has one load balancer and one certificate`,
          [
            {
              ...locate(there.source, '/spec/domain/name'),
              message: `the other PublicIngress is in ${there.file}`,
            },
          ],
        );
      }
    } else if (domain !== undefined) hosts.set(domain, node);

    const files = new Map(routes.map((route) => [route.file, route]));
    const routing = ingressRouting({
      name: m.metadata.name,
      domain: m.spec.domain,
      routes: routes.map((route) => ({
        name: route.name,
        file: route.file,
        rules: (route.manifest.kind === 'HttpRoute' || route.manifest.kind === 'GrpcRoute'
          ? route.manifest.spec.rules
          : []) as readonly RouteRule[],
      })),
    });
    for (const conflict of routing.conflicts) {
      const where = (cause: Provenance) => {
        const route = files.get(cause.file);
        return route === undefined
          ? undefined
          : { route, location: locate(route.source, cause.pointer) };
      };
      conflict.causes.forEach((cause, index) => {
        const here = where(cause);
        if (here === undefined) return;
        const others = conflict.causes
          .filter((_, other) => other !== index)
          .flatMap((other) => {
            const there = where(other);
            return there === undefined
              ? []
              : [{ ...there.location, message: `the other rule is in ${there.route.file}` }];
          });
        report(
          here.route,
          'route/duplicate-match',
          cause.pointer,
          `expected one rule for ${describeHost(conflict.host)} ${conflict.matcher.type === 'fullPath' ? 'path' : conflict.matcher.type} ${conflict.matcher.value}, found ${conflict.causes.length}: the load balancer would serve only one of them`,
          others,
        );
      });
    }
  }
  return issues;
}

type Report = (
  node: GraphNode,
  rule: RuleId,
  pointer: string,
  message: string,
  related?: readonly RelatedLocation[],
) => void;

function checkRule(
  node: GraphNode,
  rule: RouteRule,
  pointer: string,
  iap:
    | {
        readonly groups?: readonly string[] | undefined;
        readonly members?: readonly string[] | undefined;
      }
    | undefined,
  ingress: string,
  report: Report,
): void {
  rule.authentication?.forEach((entry, index) => {
    if (entry.type !== 'EXTERNAL') return;
    report(
      node,
      'route/external-authentication',
      `${pointer}/authentication/${index}/type`,
      'EXTERNAL (Identity Platform) authentication cannot be rendered yet: it needs a sign-in page and tenants configured outside the manifests, and the rule must not be served without it; use INTERNAL (Identity-Aware Proxy) or remove the rule',
    );
  });
  const authenticated = (rule.authentication ?? []).length > 0;
  if (rule.authorization !== undefined && !authenticated) {
    report(
      node,
      'route/authorization-without-authentication',
      `${pointer}/authorization`,
      'authorization names who may pass, but the rule has no authentication, so nobody signs in and everyone passes; add authentication (type INTERNAL) or remove authorization',
    );
  }
  if (authenticated) {
    rule.authorization?.forEach((entry, index) => {
      for (const kind of ['groups', 'members'] as const) {
        const admitted = new Set(iap?.[kind] ?? []);
        entry[kind]?.forEach((name, position) => {
          if (admitted.has(name)) return;
          report(
            node,
            'route/authorization-outside-iap',
            `${pointer}/authorization/${index}/${kind}/${position}`,
            `authorization narrows who PublicIngress "${ingress}" lets through Identity-Aware Proxy; expected one of its iapPermissions ${kind}, found "${name}"`,
          );
        });
      }
    });
  }
  rule.matches.forEach((match, index) => {
    const at = `${pointer}/matches/${index}`;
    for (const field of ['prefixMatch', 'fullPathMatch'] as const) {
      const value = match[field];
      if (value !== undefined && value.length > MAX_MATCH_LENGTH)
        report(
          node,
          'route/unsupported-match',
          `${at}/${field}`,
          `${field}: expected at most ${MAX_MATCH_LENGTH} characters, found ${value.length}`,
        );
    }
    if (match.regexMatch !== undefined) {
      const problem = re2Problem(match.regexMatch);
      if (problem !== undefined)
        report(node, 'route/unsupported-match', `${at}/regexMatch`, `regexMatch: ${problem}`);
    }
  });
  const destinations = rule.action.destinations;
  const weighted = destinations.filter((destination) => destination.weight !== undefined);
  destinations.forEach((destination, index) => {
    const weight = destination.weight;
    const at = `${pointer}/action/destinations/${index}`;
    if (weight === undefined) {
      if (weighted.length > 0)
        report(
          node,
          'route/weight',
          at,
          `expected a weight on every destination of the rule, as on ${weighted.length} of them, found none here`,
        );
    } else if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
      report(
        node,
        'route/weight',
        `${at}/weight`,
        `expected a whole number of 0 to ${MAX_WEIGHT}, found ${weight}`,
      );
    }
  });
}

/**
 * Why the load balancer's RE2 would not read a pattern as written, or undefined. RE2 has no
 * lookaround, backreferences, atomic groups or possessive quantifiers; Google caps the length.
 */
export function re2Problem(pattern: string): string | undefined {
  if (pattern.length > MAX_MATCH_LENGTH)
    return `expected at most ${MAX_MATCH_LENGTH} characters, found ${pattern.length}`;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    const next = pattern[i + 1] ?? '';
    if (char === '\\') {
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<')))
        return `expected RE2 syntax, found a backreference at character ${i + 1}, which RE2 does not have`;
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      // A "]" right after "[" or "[^" is a literal member of the class.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (char === '(' && next === '?') {
      const rest = pattern.slice(i + 2);
      const construct = ['=', '!', '<=', '<!', '>'].find((prefix) => rest.startsWith(prefix));
      if (construct !== undefined)
        return `expected RE2 syntax, found "(?${construct}" at character ${i + 1}: RE2 has no lookaround or atomic groups`;
    }
    if ('*+?}'.includes(char ?? '') && next === '+')
      return `expected RE2 syntax, found a possessive quantifier "${char}+" at character ${i + 1}, which RE2 does not have`;
  }
  return undefined;
}

function describeHost(host: HostRef): string {
  return 'domain' in host ? `host ${host.domain}` : `the host of route "${host.route}"`;
}
