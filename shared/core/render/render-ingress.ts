import { workloadRoles } from '../governance/iam-roles.ts';
import type { ModelResource } from '../governance/governance-model.ts';
import {
  ingressRouting,
  type HostRef,
  type Matcher,
  type RouteRule,
} from '../governance/ingress-routing.ts';
import {
  membersWith,
  moduleSource,
  nameOf,
  resourcesOf,
  type RenderContext,
} from './render-context.ts';
import { managedIngressHost } from '../naming/cloud-names.ts';
import { moduleLabel } from '../naming/terraform-labels.ts';
import { reference, type Expression, type TerraformValue } from './terraform-json.ts';

/**
 * One PublicIngress and its routes as a call of the public-ingress module: a host per
 * domain (or, GOOGLE_MANAGED, per route), each with its route rules in the order the load
 * balancer must try them, and a backend per service and set of who may pass, each with
 * exactly its own IAP members. Undefined when the ingress has no routes: a load balancer
 * that serves nothing is not rendered (the policy says so where the ingress is declared).
 */
export function renderIngress(
  context: RenderContext,
  name: string,
  ingress: ModelResource,
  routes: readonly ModelResource[],
  projectId: Expression,
  projectIdText: string,
): TerraformValue | undefined {
  const routing = ingressRouting({
    name,
    domain: ingress.attributes['domain'] as { dns: string; name?: string } | undefined,
    routes: routes.map((route) => ({
      name: nameOf(route.address).split('.').at(-1) ?? '',
      file: route.cause.file,
      rules: (route.attributes['rules'] ?? []) as unknown as readonly RouteRule[],
    })),
  });
  if (routing.hosts.length === 0) return undefined;

  const backends: Record<string, TerraformValue> = {};
  const iapMembers: Record<string, TerraformValue> = {};
  for (const backend of routing.backends) {
    const members = membersWith(
      context,
      `ingress_backend.${name}.${backend.key}`,
      workloadRoles.iapAccessor,
      // The module's keys are "<backend> <member key>", at most 100 characters.
      70,
    );
    for (const [key, member] of Object.entries(members))
      iapMembers[`${backend.key} ${key}`] = member;
    // A serverless NEG must be in its service's region, whatever the ingress's.
    const service = resourcesOf(context, 'cloud_run_service').find(
      (candidate) => candidate.address === `cloud_run_service.${backend.service}`,
    );
    backends[backend.key] = {
      region:
        typeof service?.attributes['region'] === 'string'
          ? service.attributes['region']
          : context.config.hub.region,
      cloud_run_service: reference(
        'module',
        moduleLabel(`cloud_run_service.${backend.service}`),
        'name',
      ),
      audience: backend.audience,
    };
  }
  return {
    source: moduleSource(context.config, 'public-ingress'),
    project_id: projectId,
    name,
    backends,
    iap_members: iapMembers,
    hosts: routing.hosts.map(({ host, rules }) => ({
      host: hostName(host, name, projectIdText),
      rules: rules.map((rule) => ({
        priority: rule.priority,
        match: matchOf(rule.matcher),
        destinations: rule.destinations.map((destination) => ({ ...destination })),
      })),
    })),
  };
}

function hostName(host: HostRef, ingress: string, projectId: string): string {
  return 'domain' in host ? host.domain : managedIngressHost(host.route, ingress, projectId);
}

function matchOf(matcher: Matcher): Record<string, string> {
  switch (matcher.type) {
    case 'fullPath':
      return { full_path: matcher.value };
    case 'prefix':
      return { prefix: matcher.value };
    case 'regex':
      return { regex: matcher.value };
  }
}
