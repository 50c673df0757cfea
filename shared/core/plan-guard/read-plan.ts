import * as v from 'valibot';
import { ALLOWED_REPLACEMENTS_OUTPUT } from '../render/allowed-replacements.ts';
import { isAttributes, own, withUnknowns } from './planned-values.ts';

/** The input was not `terraform show -json` output of a saved plan. */
export class PlanFormatError extends Error {
  override readonly name = 'PlanFormatError';
}

/** One managed resource change of a plan, as the rules read it. */
export interface PlannedResource {
  /** The resource's address in the plan, such as `module.project.google_project.this`. */
  readonly address: string;
  readonly type: string;
  /** The name in its resource block, such as `this`. */
  readonly name: string | undefined;
  /** The address of the module call that holds it, such as `module.project`; none at the root. */
  readonly moduleAddress: string | undefined;
  /**
   * The directory under `terraform-modules/` of that module, read from the plan's
   * configuration; undefined at the root and for a module from anywhere else.
   */
  readonly module: string | undefined;
  readonly actions: readonly string[];
  /**
   * Why the manifests allow the module call that holds it to lose its data, as the rendered
   * root says (its `infrastream_allowed_replacements` output: in the configuration planned,
   * or for a pure delete also in the prior state); undefined when they do not.
   */
  readonly allowance?: string;
  /** The attributes after apply, unknown values marked; undefined when it will not exist. */
  readonly after: Readonly<Record<string, unknown>> | undefined;
  readonly before: unknown;
}

/** A saved plan, as the rules read it. */
export interface PlanReading {
  /** Managed resource changes; data sources are left out. */
  readonly resources: readonly PlannedResource[];
}

// Loose: terraform adds fields in minor versions of format 1, and only these are read.
const resourceChangeSchema = v.looseObject(
  {
    address: v.pipe(
      v.string('expected a resource address'),
      v.minLength(1, 'expected a non-empty resource address'),
    ),
    module_address: v.optional(v.string('expected a module address')),
    mode: v.optional(v.string('expected "managed" or "data"')),
    type: v.pipe(
      v.string('expected a resource type'),
      v.minLength(1, 'expected a non-empty resource type'),
    ),
    name: v.optional(v.string('expected a resource name')),
    change: v.looseObject(
      {
        actions: v.array(
          v.string('expected an action such as "create"'),
          'expected an array of actions such as ["create"]',
        ),
        before: v.optional(v.unknown()),
        after: v.optional(v.unknown()),
        after_unknown: v.optional(v.unknown()),
      },
      'expected an object with actions, before and after',
    ),
  },
  'expected a resource change object',
);

const planSchema = v.looseObject(
  {
    format_version: v.pipe(
      v.string('expected a format_version string'),
      v.regex(/^1\.\d+$/, 'expected format_version 1.x'),
    ),
    // What tells a saved plan from state, which `terraform show -json` prints as well.
    planned_values: v.looseObject({}, 'expected the planned_values object of a saved plan'),
    resource_changes: v.optional(
      v.array(resourceChangeSchema, 'expected an array of resource changes'),
      [],
    ),
    configuration: v.optional(v.unknown()),
    prior_state: v.optional(v.unknown()),
  },
  'expected a JSON object',
);

/**
 * Reads `terraform show -json` output of a saved plan; throws a {@link PlanFormatError}
 * naming where and what when the input is not one.
 */
export function readPlan(planJson: unknown): PlanReading {
  const parsed = v.safeParse(planSchema, planJson, { abortEarly: false });
  if (!parsed.success) {
    const problems = parsed.issues.slice(0, 10).map((issue) => {
      const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
      // valibot reports a missing key with the message of the object that lacks it.
      if (path !== '' && issue.input === undefined) return `${path}: missing`;
      return `${path === '' ? '(top level)' : path}: ${issue.message}, found ${issue.received}`;
    });
    throw new PlanFormatError(
      `not a Terraform plan in JSON (terraform show -json PLANFILE, not of the state):\n  ${problems.join('\n  ')}`,
    );
  }
  const rootModule = own(parsed.output.configuration, 'root_module');
  const allowances = allowedReplacements(rootModule, parsed.output.prior_state);
  const resources = parsed.output.resource_changes
    .filter((change) => change.mode === undefined || change.mode === 'managed')
    .map((change): PlannedResource => {
      const after = withUnknowns(change.change.after, change.change.after_unknown);
      const call = change.module_address === undefined ? undefined : topCall(change.module_address);
      const allowance =
        call === undefined ? undefined : allowanceFor(allowances, call, change.change.actions);
      return {
        address: change.address,
        type: change.type,
        name: change.name,
        moduleAddress: change.module_address,
        module:
          change.module_address === undefined
            ? undefined
            : moduleDirectory(rootModule, change.module_address),
        actions: change.change.actions,
        ...(allowance === undefined ? {} : { allowance }),
        after: isAttributes(after) ? after : undefined,
        before: change.change.before,
      };
    });
  return { resources };
}

/** The allowances of a plan: of the configuration planned, and of the state applied before. */
interface Allowances {
  readonly planned: ReadonlyMap<string, string>;
  readonly prior: ReadonlyMap<string, string>;
}

/**
 * The module calls the rendered root allows to lose data, with the reason: what the
 * configuration planned now declares, and what the state applied before declared. Only the
 * renderer writes root outputs; a value that is not a map of strings allows nothing.
 */
function allowedReplacements(rootModule: unknown, priorState: unknown): Allowances {
  const take = (value: unknown) => {
    const allowed = new Map<string, string>();
    if (!isAttributes(value)) return allowed;
    for (const [call, reason] of Object.entries(value))
      if (typeof reason === 'string') allowed.set(call, reason);
    return allowed;
  };
  const output = (outputs: unknown) => own(outputs, ALLOWED_REPLACEMENTS_OUTPUT);
  return {
    planned: take(own(own(output(own(rootModule, 'outputs')), 'expression'), 'constant_value')),
    prior: take(own(output(own(own(priorState, 'values'), 'outputs')), 'value')),
  };
}

/**
 * The allowance a change of a call may use. A replacement keeps its declaration, so only the
 * revision planned can allow it: one that dropped the allowance must not be replaced on the
 * strength of an older one. A pure delete has no declaration left to say so, and may use
 * the allowance the state applied before recorded.
 */
function allowanceFor(
  allowances: Allowances,
  call: string,
  actions: readonly string[],
): string | undefined {
  const planned = allowances.planned.get(call);
  if (actions.includes('create')) return planned;
  return planned ?? allowances.prior.get(call);
}

/** The root module call of a module address: `module.a` of `module.a["x"].module.b`. */
function topCall(moduleAddress: string): string | undefined {
  const step = MODULE_STEP.exec(moduleAddress);
  return step?.[1] === undefined ? undefined : `module.${step[1]}`;
}

const MODULE_STEP = /^module\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?(?:\.|$)/;
const MODULE_SOURCE = /(?:^|\/)terraform-modules\/([a-z0-9][a-z0-9-]*)\/?$/;

/**
 * The `terraform-modules/` directory a module address calls, following `module_calls` of
 * the plan's configuration (`module.a["x"].module.b` is call `b` inside call `a`).
 */
function moduleDirectory(rootModule: unknown, moduleAddress: string): string | undefined {
  let current = rootModule;
  let source: unknown;
  let rest = moduleAddress;
  while (rest !== '') {
    const step = MODULE_STEP.exec(rest);
    if (step?.[1] === undefined) return undefined;
    const call = own(own(current, 'module_calls'), step[1]);
    source = own(call, 'source');
    current = own(call, 'module');
    rest = rest.slice(step[0].length);
  }
  return typeof source === 'string' ? MODULE_SOURCE.exec(source)?.[1] : undefined;
}
