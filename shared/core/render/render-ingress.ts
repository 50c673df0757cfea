import { workloadRoles } from '../governance/iam-roles.ts';
import type { ModelResource } from '../governance/governance-model.ts';
import { membersWith, moduleSource, nameOf, type RenderContext } from './render-context.ts';
import { identifier, reference, type Expression, type TerraformValue } from './terraform-json.ts';

interface RouteRule {
  readonly matches: readonly { prefixMatch?: string; fullPathMatch?: string; service?: string }[];
  readonly authentication?: readonly { type: string }[];
  readonly action: { readonly destinations: readonly { deploymentConfig: string }[] };
}

/** One PublicIngress and its routes as a call of the public-ingress module. */
export function renderIngress(
  context: RenderContext,
  name: string,
  ingress: ModelResource,
  routes: readonly ModelResource[],
  projectId: Expression,
): TerraformValue {
  const region =
    typeof ingress.attributes['region'] === 'string'
      ? ingress.attributes['region']
      : context.config.hub.region;
  const domain = ingress.attributes['domain'] as { dns?: string; name?: string } | undefined;
  const backends: Record<string, TerraformValue> = {};
  const hostRoutes = routes.map((route) => {
    const routeName = nameOf(route.address).split('.').at(-1) ?? '';
    const host =
      domain?.name ?? `${routeName}-${name}.endpoints.${context.config.projectPrefix}.cloud.goog`;
    const rules = (route.attributes['rules'] ?? []) as unknown as readonly RouteRule[];
    const pathRules = rules.map((rule) => {
      const target = rule.action.destinations[0]?.deploymentConfig ?? '';
      const internal = rule.authentication?.some((entry) => entry.type === 'INTERNAL') === true;
      const key = `${target}${internal ? '-iap' : ''}`.slice(0, 20);
      backends[key] = {
        region,
        cloud_run_service: reference('module', identifier('service', target), 'name'),
        audience: internal ? 'INTERNAL' : 'PUBLIC',
      };
      return {
        paths: rule.matches.flatMap((match) =>
          match.prefixMatch !== undefined
            ? [`${match.prefixMatch}*`]
            : match.fullPathMatch !== undefined
              ? [match.fullPathMatch]
              : [`/${match.service ?? ''}/*`],
        ),
        backend: key,
      };
    });
    return {
      hosts: [host],
      default_backend: pathRules.at(-1)?.backend ?? '',
      path_rules: pathRules,
    };
  });
  return {
    source: moduleSource(context.config, 'public-ingress'),
    project_id: projectId,
    name,
    domains: hostRoutes.flatMap((route) => route.hosts),
    backends,
    default_backend: hostRoutes[0]?.default_backend ?? '',
    routes: hostRoutes,
    iap_members: membersWith(context, ingress.address, workloadRoles.iapAccessor),
  };
}
