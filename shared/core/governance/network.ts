import { parseEgressDestination } from '../manifests/egress-destination.ts';
import type { ManifestOf } from '../manifests/manifest.ts';
import type { FirewallRule, Provenance } from './governance-model.ts';
import type { WorkspaceBuilder } from './workspace-builder.ts';
import { egressRangeRule } from '../naming/cloud-names.ts';

/** Lowest priority Google Cloud allows; everything allowed explicitly wins over it. */
export const DENY_ALL_PRIORITY = 65535;
const ALLOW_PRIORITY = 1000;

/** Google's front ends and health checkers, as documented for external load balancers. */
export const LOAD_BALANCER_RANGES = ['130.211.0.0/22', '35.191.0.0/16'] as const;

/** private.googleapis.com and restricted.googleapis.com (Private Google Access). */
export const GOOGLE_API_RANGES = ['199.36.153.4/30', '199.36.153.8/30'] as const;

/** Stands for the hub's egress-proxy subnet, which the hub workspace owns. */
export const EGRESS_PROXY_RANGE = 'egress-proxy';

/** What the network of a project needs to know about the services it runs. */
export interface ProjectTraffic {
  /**
   * The service accounts of the workloads the project runs. Projects share the hub's VPC,
   * so every allow names them: an allow without targets would open the whole network.
   */
  readonly workloads: readonly string[];
  /** Services reached through a load balancer: their service accounts and ports. */
  readonly routed: readonly { readonly serviceAccount: string; readonly port: number }[];
}

/**
 * The firewall and egress allowlist of one project: deny everything both ways at the
 * lowest priority, logged; then allow only what manifests declare. Hostnames and
 * wildcards go to the egress proxy's allowlist, CIDR ranges become HTTPS egress rules.
 * An entry that would allow everything (`*`, `0.0.0.0/0`, `::/0`) is never compiled:
 * policy reports it instead.
 */
export function compileProjectNetwork(
  workspace: WorkspaceBuilder,
  project: ManifestOf<'Project'>,
  file: string,
  traffic: ProjectTraffic,
): void {
  const cause = (pointer: string): Provenance => ({ file, pointer });
  const everywhere = ['0.0.0.0/0'];
  workspace.firewall({
    name: 'deny-all-ingress',
    direction: 'INGRESS',
    action: 'deny',
    priority: DENY_ALL_PRIORITY,
    ranges: everywhere,
    protocols: [{ protocol: 'all' }],
    description: 'Default deny: nothing reaches a workload unless a rule above allows it.',
    cause: cause('/metadata/name'),
  });
  workspace.firewall({
    name: 'deny-all-egress',
    direction: 'EGRESS',
    action: 'deny',
    priority: DENY_ALL_PRIORITY,
    ranges: everywhere,
    protocols: [{ protocol: 'all' }],
    description: 'Default deny: nothing leaves the project unless a rule above allows it.',
    cause: cause('/metadata/name'),
  });
  // Allows name the project's workloads; a project that runs nothing needs none of them.
  const targetServiceAccounts = [...traffic.workloads].sort();
  const allow = (rule: Omit<FirewallRule, 'action' | 'priority' | 'targetServiceAccounts'>) => {
    if (targetServiceAccounts.length > 0) {
      workspace.firewall({
        ...rule,
        action: 'allow',
        priority: ALLOW_PRIORITY,
        targetServiceAccounts,
      });
    }
  };
  allow({
    name: 'allow-google-apis',
    direction: 'EGRESS',
    ranges: [...GOOGLE_API_RANGES],
    protocols: [{ protocol: 'tcp', ports: ['443'] }],
    description: 'Private Google Access: Google APIs over HTTPS without leaving the network.',
    cause: cause('/metadata/name'),
  });

  if (traffic.routed.length > 0) {
    const ports = [...new Set(traffic.routed.map((service) => String(service.port)))].sort();
    workspace.firewall({
      name: 'allow-load-balancer',
      direction: 'INGRESS',
      action: 'allow',
      priority: ALLOW_PRIORITY,
      ranges: [...LOAD_BALANCER_RANGES],
      protocols: [{ protocol: 'tcp', ports }],
      targetServiceAccounts: [
        ...new Set(traffic.routed.map((service) => service.serviceAccount)),
      ].sort(),
      description:
        'Load balancer and health checks to the services that routes name, on their ports.',
      cause: cause('/metadata/name'),
    });
  }

  let proxied = false;
  for (const [index, entry] of (project.spec.allowedEgress ?? []).entries()) {
    const destination = parseEgressDestination(entry);
    const pointer = `/spec/allowedEgress/${index}`;
    if (destination === undefined || destination.type === 'everything') continue;
    if (destination.type === 'cidr') {
      if (destination.prefix === 0) continue;
      allow({
        name: egressRangeRule(destination.version, entry),
        direction: 'EGRESS',
        ranges: [entry],
        protocols: [{ protocol: 'tcp', ports: ['443'] }],
        description: `HTTPS to ${entry}, as allowedEgress lists it.`,
        cause: cause(pointer),
      });
      continue;
    }
    proxied = true;
    workspace.egress({ destination: entry, cause: cause(pointer) });
  }
  if (proxied) {
    allow({
      name: 'allow-egress-proxy',
      direction: 'EGRESS',
      ranges: [EGRESS_PROXY_RANGE],
      protocols: [{ protocol: 'tcp', ports: ['443'] }],
      description: 'HTTPS to the egress proxy, which lets through only the listed hosts.',
      cause: cause('/spec/allowedEgress'),
    });
  }
}
