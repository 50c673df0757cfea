import { compareStrings } from '../issues/issue.ts';
import type { Codeowners } from './codeowners.ts';
import { forcedReplacements, type ForcedReplacement } from './forced-replacements.ts';
import {
  bindingKey,
  type EgressEntry,
  type FirewallRule,
  type IamBinding,
  type Json,
  type ModelResource,
  type Provenance,
  type WorkspaceModel,
} from './governance-model.ts';

/** What Git says, compiled: one model per workspace and the CODEOWNERS file. */
export interface GovernanceModel {
  readonly workspaces: ReadonlyMap<string, WorkspaceModel>;
  readonly codeowners: Codeowners;
}

/** One attribute that differs, by its dotted path. */
export interface AttributeChange {
  readonly path: string;
  readonly before: Json | undefined;
  readonly after: Json | undefined;
}

/** A resource that is created, destroyed, replaced, or changed in place. */
export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly cause: Provenance;
  /** For changes and replacements: what differs. */
  readonly changes?: readonly AttributeChange[];
  /** For replacements: the changes that force it, from the table of replacing inputs. */
  readonly forcedBy?: readonly ForcedReplacement[];
  /**
   * Why the declaration allows its resource to be replaced or destroyed
   * (`spec.lifecycle.allowReplacement`): of the head revision for a replacement, of the
   * base revision for a destruction.
   */
  readonly allowedBecause?: string;
}

/** What changes in one workspace. Only workspaces with a change appear in a plan. */
export interface WorkspacePlan {
  readonly id: string;
  readonly create: readonly ResourceChange[];
  /** Destroyed and created again, because a change reaches an attribute fixed at creation. */
  readonly replace: readonly ResourceChange[];
  readonly update: readonly ResourceChange[];
  readonly destroy: readonly ResourceChange[];
  readonly iam: { readonly add: readonly IamBinding[]; readonly remove: readonly IamBinding[] };
  readonly firewall: {
    readonly add: readonly FirewallRule[];
    readonly remove: readonly FirewallRule[];
    readonly update: readonly FirewallRule[];
  };
  readonly egress: {
    readonly add: readonly EgressEntry[];
    readonly remove: readonly EgressEntry[];
  };
}

/** Lines of CODEOWNERS that appear or disappear. */
export interface CodeownersChange {
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

/** The differences between two governance models, workspace by workspace. */
export interface ModelDiff {
  readonly workspaces: readonly WorkspacePlan[];
  readonly codeowners: CodeownersChange;
}

const emptyWorkspace = (id: string): WorkspaceModel => ({
  id,
  resources: [],
  iam: [],
  firewall: [],
  egress: [],
});

/**
 * Diffs two models. A workspace that did not change does not appear; a change of cause
 * alone (the same grant, now written elsewhere) is no change to the cloud.
 */
export function diffModels(base: GovernanceModel, head: GovernanceModel): ModelDiff {
  const ids = [...new Set([...base.workspaces.keys(), ...head.workspaces.keys()])].sort(
    compareStrings,
  );
  const workspaces: WorkspacePlan[] = [];
  for (const id of ids) {
    // A workspace reused from the base model, as incremental compilation does, is unchanged.
    if (base.workspaces.get(id) === head.workspaces.get(id)) continue;
    const plan = diffWorkspace(
      base.workspaces.get(id) ?? emptyWorkspace(id),
      head.workspaces.get(id) ?? emptyWorkspace(id),
    );
    if (plan !== undefined) workspaces.push(plan);
  }
  return { workspaces, codeowners: diffCodeowners(base.codeowners.text, head.codeowners.text) };
}

function diffCodeowners(base: string, head: string): CodeownersChange {
  // Most changes leave CODEOWNERS as it was: one comparison instead of two sets of lines.
  if (base === head) return { add: [], remove: [] };
  const before = new Set(base === '' ? [] : base.split('\n'));
  const after = new Set(head === '' ? [] : head.split('\n'));
  return {
    add: [...after].filter((line) => !before.has(line)),
    remove: [...before].filter((line) => !after.has(line)),
  };
}

/** The plan of one workspace, or undefined when nothing in it changes. */
export function diffWorkspace(
  base: WorkspaceModel,
  head: WorkspaceModel,
): WorkspacePlan | undefined {
  const resources = diffBy(base.resources, head.resources, (resource) => resource.address);
  const iam = diffBy(base.iam, head.iam, bindingKey);
  const firewall = diffBy(base.firewall, head.firewall, (rule) => rule.name);
  const egress = diffBy(base.egress, head.egress, (entry) => entry.destination);
  const update: ResourceChange[] = [];
  const replace: ResourceChange[] = [];
  for (const [before, after] of resources.both) {
    const changes = diffJson(before.attributes, after.attributes, '');
    if (changes.length === 0) continue;
    const forcedBy = forcedReplacements(after.type, changes);
    if (forcedBy.length === 0) update.push({ ...summary(after), changes });
    else replace.push({ ...summary(after), changes, forcedBy });
  }
  const firewallUpdate = firewall.both
    .filter(([before, after]) => canonical(withoutCause(before)) !== canonical(withoutCause(after)))
    .map(([, after]) => after);
  const plan: WorkspacePlan = {
    id: head.id,
    create: resources.added.map(summary),
    replace,
    update,
    destroy: resources.removed.map(summary),
    iam: { add: iam.added, remove: iam.removed },
    firewall: { add: firewall.added, remove: firewall.removed, update: firewallUpdate },
    egress: { add: egress.added, remove: egress.removed },
  };
  const changed =
    plan.create.length +
    plan.replace.length +
    plan.update.length +
    plan.destroy.length +
    iam.added.length +
    iam.removed.length +
    firewall.added.length +
    firewall.removed.length +
    firewallUpdate.length +
    egress.added.length +
    egress.removed.length;
  return changed === 0 ? undefined : plan;
}

function summary(resource: ModelResource): ResourceChange {
  const allowance = allowanceOf(resource);
  return {
    address: resource.address,
    type: resource.type,
    cause: resource.cause,
    ...(allowance === undefined ? {} : { allowedBecause: allowance }),
  };
}

/** The reason a resource's declaration gives for letting it be replaced or destroyed. */
function allowanceOf(resource: ModelResource): string | undefined {
  const lifecycle = resource.attributes['lifecycle'];
  if (!isObject(lifecycle)) return undefined;
  const reason = lifecycle['allowReplacement'];
  return typeof reason === 'string' ? reason : undefined;
}

function diffBy<T>(before: readonly T[], after: readonly T[], key: (item: T) => string) {
  const old = new Map(before.map((item) => [key(item), item]));
  const next = new Map(after.map((item) => [key(item), item]));
  return {
    added: after.filter((item) => !old.has(key(item))),
    removed: before.filter((item) => !next.has(key(item))),
    both: after.flatMap((item) => {
      const previous = old.get(key(item));
      return previous === undefined ? [] : [[previous, item] as const];
    }),
  };
}

/** The leaves that differ between two JSON values, by dotted path. */
function diffJson(
  before: Json | undefined,
  after: Json | undefined,
  path: string,
): AttributeChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareStrings);
    return keys.flatMap((key) =>
      diffJson(before[key], after[key], path === '' ? key : `${path}.${key}`),
    );
  }
  return canonical(before) === canonical(after) ? [] : [{ path, before, after }];
}

function isObject(value: Json | undefined): value is { readonly [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutCause<T extends { cause: Provenance }>(item: T): Omit<T, 'cause'> {
  const { cause: _cause, ...rest } = item;
  return rest;
}

/** JSON with sorted keys, so that equal values compare equal whatever their key order. */
export function canonical(value: unknown): string | undefined {
  // JSON.stringify(undefined) is undefined, whatever its declared type says.
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => compareStrings(a, b)))
      : item,
  );
}
