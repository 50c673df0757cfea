/**
 * Where a rendered public-ingress module call sends a request, read the way the load
 * balancer reads its URL map: the host rule for the request's host, then the route rules
 * of that host by priority, the first whose matcher matches; full paths and prefixes are
 * literal, a regex must match the whole path. No host rule or no route rule: the module's
 * `unmatched` backend, which answers 404 and has nothing behind it.
 */

interface RenderedRule {
  readonly priority: number;
  readonly match: {
    readonly full_path?: string;
    readonly prefix?: string;
    readonly regex?: string;
  };
  readonly destinations: readonly { readonly backend: string; readonly weight: number }[];
}

interface RenderedIngress {
  readonly backends: Readonly<
    Record<string, { readonly cloud_run_service: string; readonly audience: string }>
  >;
  readonly iap_members: Readonly<Record<string, unknown>>;
  readonly hosts: readonly { readonly host: string; readonly rules: readonly RenderedRule[] }[];
}

/** What a request reaches: a backend with its service, audience and IAP members, or nothing. */
export type Reached =
  | 'unmatched'
  | {
      readonly backend: string;
      /** The Cloud Run service, as the module call references it. */
      readonly service: string;
      readonly audience: string;
      readonly iapMembers: readonly unknown[];
    };

/** Where one request goes; a weighted rule answers with its first destination. */
export function reach(call: unknown, host: string, path: string): Reached {
  const ingress = call as RenderedIngress;
  const rules = [...(ingress.hosts.find((candidate) => candidate.host === host)?.rules ?? [])].sort(
    (a, b) => a.priority - b.priority,
  );
  const matched = rules.find(({ match }) =>
    match.full_path !== undefined
      ? path === match.full_path
      : match.prefix !== undefined
        ? path.startsWith(match.prefix)
        : new RegExp(`^(?:${match.regex ?? ''})$`, 'u').test(path),
  );
  const key = matched?.destinations[0]?.backend;
  if (key === undefined) return 'unmatched';
  const backend = ingress.backends[key];
  if (backend === undefined) throw new Error(`rule names backend ${key}, which is not rendered`);
  return {
    backend: key,
    service: backend.cloud_run_service,
    audience: backend.audience,
    iapMembers: Object.entries(ingress.iap_members)
      .filter(([memberKey]) => memberKey.startsWith(`${key} `))
      .map(([, member]) => member)
      .sort(),
  };
}

/** The hosts a rendered ingress serves. */
export function hostsOf(call: unknown): string[] {
  return (call as RenderedIngress).hosts.map((entry) => entry.host);
}
