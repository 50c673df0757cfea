import * as v from 'valibot';

/** What a build's plan changes, as Terraform counts it: a replacement is one of each. */
export interface BuildChanges {
  readonly create: number;
  readonly update: number;
  readonly destroy: number;
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** `BuildChanges` as a build step writes it. */
export const buildChangesSchema = v.strictObject({ create: count, update: count, destroy: count });

// Loose: only the actions are read, and the plan guard checks the rest of the plan.
const planSchema = v.looseObject({
  resource_changes: v.optional(
    v.array(v.looseObject({ change: v.looseObject({ actions: v.array(v.string()) }) })),
    [],
  ),
});

/**
 * The resources a plan (`terraform show -json`) creates, changes and destroys, as the
 * summary line of `terraform plan` counts them; undefined when it is not a plan.
 */
export function planChangeCounts(planJson: unknown): BuildChanges | undefined {
  const parsed = v.safeParse(planSchema, planJson);
  if (!parsed.success) return undefined;
  let create = 0;
  let update = 0;
  let destroy = 0;
  for (const { change } of parsed.output.resource_changes) {
    if (change.actions.includes('create')) create += 1;
    if (change.actions.includes('delete')) destroy += 1;
    if (change.actions.includes('update')) update += 1;
  }
  return { create, update, destroy };
}
