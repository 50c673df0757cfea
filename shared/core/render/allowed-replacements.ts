import type { ModelResource } from '../governance/governance-model.ts';
import { dataBearingTypes } from '../governance/data-loss.ts';
import { moduleLabel } from '../naming/terraform-labels.ts';
import type { TerraformValue } from './terraform-json.ts';

/**
 * The root output of a workspace naming the module calls whose data-bearing resources its
 * manifests allow Terraform to replace or destroy, each with the declaration's reason. The
 * plan guard reads it from the plan: from the configuration for what this revision allows,
 * and, for a pure delete only, from the prior state for what the revision applied before
 * allowed.
 */
export const ALLOWED_REPLACEMENTS_OUTPUT = 'infrastream_allowed_replacements';

/**
 * The output of {@link ALLOWED_REPLACEMENTS_OUTPUT} for a workspace's resources, or
 * undefined when no declaration allows anything: most workspaces render as they did.
 */
export function renderAllowedReplacements(
  resources: readonly ModelResource[],
): Record<string, TerraformValue> | undefined {
  const allowed: Record<string, string> = {};
  for (const resource of resources) {
    if (!Object.hasOwn(dataBearingTypes, resource.type)) continue;
    const lifecycle = resource.attributes['lifecycle'] as
      { allowReplacement?: unknown } | undefined;
    const reason = lifecycle?.allowReplacement;
    if (typeof reason === 'string') allowed[`module.${moduleLabel(resource.address)}`] = reason;
  }
  if (Object.keys(allowed).length === 0) return undefined;
  return {
    [ALLOWED_REPLACEMENTS_OUTPUT]: {
      description:
        'Module calls whose data the manifests allow to be lost (spec.lifecycle.allowReplacement), with the reason given.',
      value: allowed,
    },
  };
}
