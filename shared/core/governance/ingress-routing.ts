import { compareStrings } from '../issues/issue.ts';
import { ingressBackendKey } from '../naming/cloud-names.ts';
import type { Provenance } from './governance-model.ts';

/**
 * How one PublicIngress routes: which host and path reach which backend, and who may pass
 * on each backend. The compiler, the policy and the renderer all read routes through this
 * one function, so that what is checked is what is rendered.
 *
 * The load balancer evaluates route rules by priority, first match wins. A manifest lists
 * rules per route file, and several route files may share a host, so the order is not the
 * authors' to get wrong: an exact path comes first, then regular expressions of protected
 * rules, then prefixes longest first, then regular expressions of public rules. A public
 * rule can therefore never take a request that a more specific or a protected rule also
 * matches, except where the author wrote the public rule more specifically. Whatever no
 * rule matches, on a known host or an unknown one, reaches no backend at all (404).
 */

/** One match of a route rule, as the manifest writes it (HTTP or gRPC). */
export interface RouteMatch {
  readonly prefixMatch?: string | undefined;
  readonly fullPathMatch?: string | undefined;
  readonly regexMatch?: string | undefined;
  readonly service?: string | undefined;
  readonly method?: string | undefined;
}

/** One rule of an HttpRoute or GrpcRoute, as the manifest writes it. */
export interface RouteRule {
  readonly matches: readonly RouteMatch[];
  readonly authentication?:
    | readonly { readonly type: string; readonly tenants?: readonly string[] | undefined }[]
    | undefined;
  readonly authorization?: readonly Principals[] | undefined;
  readonly action: {
    readonly destinations: readonly {
      readonly deploymentConfig: string;
      readonly weight?: number | undefined;
    }[];
  };
}

/** Groups and members of the organization, by name. */
export interface Principals {
  readonly groups?: readonly string[] | undefined;
  readonly members?: readonly string[] | undefined;
}

/** One route file of an ingress. */
export interface RouteInput {
  readonly name: string;
  readonly file: string;
  readonly rules: readonly RouteRule[];
}

/** An ingress and its routes. */
export interface IngressInput {
  readonly name: string;
  readonly domain: { readonly dns: string; readonly name?: string | undefined } | undefined;
  readonly routes: readonly RouteInput[];
}

/**
 * A host: the ingress's own domain, or (GOOGLE_MANAGED) the Google hostname of one route,
 * which the renderer spells out because it contains the project id.
 */
export type HostRef = { readonly domain: string } | { readonly route: string };

/** How a request path is compared, exactly as the load balancer's route rules do. */
export interface Matcher {
  readonly type: 'fullPath' | 'prefix' | 'regex';
  readonly value: string;
}

/** A backend: one Cloud Run service behind one set of who may pass. */
export interface RoutingBackend {
  /** 1-20 characters, unique in the ingress: `<service, cut>-<hash of the whole identity>`. */
  readonly key: string;
  /** The DeploymentConfig (and so the Cloud Run service) it serves. */
  readonly service: string;
  /** PUBLIC: anyone, behind Cloud Armor. INTERNAL: behind Identity-Aware Proxy too. */
  readonly audience: 'PUBLIC' | 'INTERNAL';
  /**
   * Who IAP lets through, for INTERNAL: the rule's own authorization, or, when it has
   * none, undefined for the ingress's iapPermissions.
   */
  readonly authorization?: {
    readonly groups: readonly string[];
    readonly members: readonly string[];
  };
  /** The first rule that sends traffic to it. */
  readonly cause: Provenance;
  /** That rule's authorization, when it has one. */
  readonly authorizedBy?: Provenance;
}

/** One route rule of the URL map: one matcher, at one priority, to weighted backends. */
export interface RoutingRule {
  readonly priority: number;
  readonly matcher: Matcher;
  readonly destinations: readonly { readonly backend: string; readonly weight: number }[];
  readonly public: boolean;
  /** The manifest match that asks for it. */
  readonly cause: Provenance;
}

/** What one ingress renders to. */
export interface IngressRouting {
  readonly hosts: readonly { readonly host: HostRef; readonly rules: readonly RoutingRule[] }[];
  readonly backends: readonly RoutingBackend[];
  /** Two matches that claim one host and path: each is refused, in its own file. */
  readonly conflicts: readonly {
    readonly host: HostRef;
    readonly matcher: Matcher;
    readonly causes: readonly Provenance[];
  }[];
}

/** The matcher a manifest match asks for: gRPC methods are exact paths, services prefixes. */
export function matcherOf(match: RouteMatch): Matcher {
  if (match.fullPathMatch !== undefined) return { type: 'fullPath', value: match.fullPathMatch };
  if (match.prefixMatch !== undefined) return { type: 'prefix', value: match.prefixMatch };
  if (match.regexMatch !== undefined) return { type: 'regex', value: match.regexMatch };
  const service = `/${match.service ?? ''}/`;
  return match.method === undefined
    ? { type: 'prefix', value: service }
    : { type: 'fullPath', value: `${service}${match.method}` };
}

/** Whether a rule asks anyone to sign in. EXTERNAL is refused by policy; it never renders public. */
export function isAuthenticated(rule: Pick<RouteRule, 'authentication'>): boolean {
  return (rule.authentication ?? []).length > 0;
}

/** Works out the hosts, rules and backends of one ingress. */
export function ingressRouting(ingress: IngressInput): IngressRouting {
  const backends = new Map<string, RoutingBackend>();
  const identities = new Map<string, string>();
  const entries = new Map<string, Entry[]>();
  const hosts = new Map<string, HostRef>();
  const customDomain = ingress.domain?.dns === 'GOOGLE_MANAGED' ? undefined : ingress.domain?.name;

  const routes = [...ingress.routes].sort((a, b) => compareStrings(a.name, b.name));
  for (const route of routes) {
    const host: HostRef =
      customDomain === undefined ? { route: route.name } : { domain: customDomain };
    const hostKey = JSON.stringify(host);
    hosts.set(hostKey, host);
    route.rules.forEach((rule, ruleIndex) => {
      const at = (pointer: string): Provenance => ({
        file: route.file,
        pointer: `/spec/rules/${ruleIndex}${pointer}`,
      });
      const audience = isAuthenticated(rule) ? 'INTERNAL' : 'PUBLIC';
      const authorization =
        audience === 'INTERNAL' ? authorizationOf(rule.authorization) : undefined;
      const destinations = rule.action.destinations.map((destination, index) => {
        const identity = JSON.stringify([
          destination.deploymentConfig,
          audience,
          authorization ?? null,
        ]);
        let key = identities.get(identity);
        if (key === undefined) {
          key = ingressBackendKey(destination.deploymentConfig, identity);
          // 36 bits of hash: two identities of one ingress meeting is not a case to handle.
          if (backends.has(key)) throw new Error(`two backends of ${ingress.name} hash to ${key}`);
          identities.set(identity, key);
          backends.set(key, {
            key,
            service: destination.deploymentConfig,
            audience,
            cause: at(`/action/destinations/${index}`),
            ...(authorization === undefined
              ? {}
              : { authorization, authorizedBy: at('/authorization') }),
          });
        }
        return { backend: key, weight: destination.weight ?? 1 };
      });
      rule.matches.forEach((match, matchIndex) => {
        const list = entries.get(hostKey) ?? [];
        entries.set(hostKey, list);
        list.push({
          matcher: matcherOf(match),
          public: audience === 'PUBLIC',
          destinations,
          cause: at(`/matches/${matchIndex}`),
          order: list.length,
        });
      });
    });
  }

  const conflicts: IngressRouting['conflicts'][number][] = [];
  const routedHosts = [...hosts].map(([hostKey, host]) => {
    const byMatcher = new Map<string, Entry[]>();
    for (const entry of entries.get(hostKey) ?? []) {
      const key = `${entry.matcher.type} ${entry.matcher.value}`;
      byMatcher.set(key, [...(byMatcher.get(key) ?? []), entry]);
    }
    const unique: Entry[] = [];
    for (const [first, ...others] of byMatcher.values()) {
      if (first === undefined) continue;
      unique.push(first);
      if (others.length > 0)
        conflicts.push({
          host,
          matcher: first.matcher,
          causes: [first, ...others].map((entry) => entry.cause),
        });
    }
    unique.sort(byPrecedence);
    return {
      host,
      rules: unique.map((entry, priority) => ({
        priority,
        matcher: entry.matcher,
        destinations: entry.destinations,
        public: entry.public,
        cause: entry.cause,
      })),
    };
  });
  return {
    hosts: routedHosts,
    backends: [...backends.values()].sort((a, b) => compareStrings(a.key, b.key)),
    conflicts,
  };
}

interface Entry {
  readonly matcher: Matcher;
  readonly public: boolean;
  readonly destinations: readonly { readonly backend: string; readonly weight: number }[];
  readonly cause: Provenance;
  /** Its place among the host's matches, in route-name and rule order: the last tie-break. */
  readonly order: number;
}

/** Exact paths, protected regexes, prefixes longest first, public regexes; then as written. */
function byPrecedence(a: Entry, b: Entry): number {
  const rank = (entry: Entry) =>
    entry.matcher.type === 'fullPath'
      ? 0
      : entry.matcher.type === 'prefix'
        ? 2
        : entry.public
          ? 3
          : 1;
  const lengthFirst = (entry: Entry) =>
    entry.matcher.type === 'prefix' ? -entry.matcher.value.length : 0;
  return rank(a) - rank(b) || lengthFirst(a) - lengthFirst(b) || a.order - b.order;
}

function authorizationOf(
  authorization: readonly Principals[] | undefined,
): RoutingBackend['authorization'] {
  if (authorization === undefined || authorization.length === 0) return undefined;
  const sorted = (values: readonly string[]) => [...new Set(values)].sort(compareStrings);
  return {
    groups: sorted(authorization.flatMap((entry) => entry.groups ?? [])),
    members: sorted(authorization.flatMap((entry) => entry.members ?? [])),
  };
}
