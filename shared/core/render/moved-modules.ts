import { formerLabel } from '../naming/terraform-labels.ts';
import type { TerraformValue } from './terraform-json.ts';

/**
 * `moved` blocks from the labels the organization's module calls of several names had
 * before the names were joined with hyphens (`folder_shipping_production`) to the labels
 * they have now (`folder_shipping-production`), so that an organization deployed before
 * keeps its environment folders, which refuse to be destroyed, rather than failing to
 * replace them. A former label that two calls now share stood for only one of them,
 * which one cannot be known, so it is not moved.
 */
export function movedModules(labels: readonly string[]): Record<string, TerraformValue> {
  const current = new Set(labels);
  const claims = new Map<string, string[]>();
  for (const label of labels) {
    const former = formerLabel(label);
    if (former !== label && !current.has(former))
      claims.set(former, [...(claims.get(former) ?? []), label]);
  }
  const moved = [...claims]
    .filter(([, to]) => to.length === 1)
    .map(([from, to]) => ({ from: `module.${from}`, to: `module.${to[0] ?? ''}` }));
  return moved.length === 0 ? {} : { moved };
}
