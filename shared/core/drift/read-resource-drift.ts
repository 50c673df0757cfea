import * as v from 'valibot';
import type { Json } from '../governance/governance-model.ts';
import type { DriftObservation, ManifestLocation } from './drift-finding.ts';
import { attributeSeverity } from './drift-severity.ts';

/** What a sensitive value is reported as: the sweep stores and prints no secret. */
export const SENSITIVE = '(sensitive)';

/** Drifted attributes of one resource past which they are reported as one, the resource. */
const MAX_ATTRIBUTES_PER_RESOURCE = 50;

const resourceDriftSchema = v.object({
  resource_drift: v.optional(
    v.array(
      v.object({
        address: v.string(),
        type: v.string(),
        change: v.object({
          actions: v.array(v.string()),
          before: v.optional(v.unknown()),
          after: v.optional(v.unknown()),
          before_sensitive: v.optional(v.unknown()),
          after_sensitive: v.optional(v.unknown()),
        }),
      }),
    ),
  ),
});

/** The observations of a refresh-only plan, or why the plan could not be read. */
export type ResourceDriftResult =
  | { readonly ok: true; readonly observations: readonly DriftObservation[] }
  | { readonly ok: false; readonly message: string };

/**
 * Reads the `resource_drift` of `terraform show -json` of a refresh-only plan: one
 * observation per attribute that differs between what Terraform last wrote (`before`) and
 * what the cloud holds (`after`), rated and filtered by the severity table; a resource
 * deleted outside Terraform is one observation. Sensitive values are never kept.
 * `manifestOf` gives the manifest entry a Terraform address was rendered from.
 */
export function readResourceDrift(
  plan: unknown,
  workspace: string,
  manifestOf: (address: string) => ManifestLocation | undefined,
): ResourceDriftResult {
  const parsed = v.safeParse(resourceDriftSchema, plan);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
    return {
      ok: false,
      message: `the refresh-only plan is not terraform show -json output: ${path === '' ? '' : `${path}: `}${issue.message}`,
    };
  }
  const observations: DriftObservation[] = [];
  for (const resource of parsed.output.resource_drift ?? []) {
    const { address, type, change } = resource;
    const manifest = manifestOf(address);
    const before = masked(toJson(change.before), change.before_sensitive);
    const after = masked(toJson(change.after), change.after_sensitive);
    const base = {
      source: 'terraform' as const,
      workspace,
      address,
      ...(manifest ? { manifest } : {}),
    };
    if (change.actions.includes('delete') || change.after === null) {
      const severity = attributeSeverity(type, '(deleted)', null);
      if (severity === 'dropped') continue;
      observations.push({
        ...base,
        attribute: '(deleted)',
        severity,
        summary: `${address} was deleted outside Terraform`,
        before,
        after: null,
      });
      continue;
    }
    const changed: { path: string; before: Json; after: Json }[] = [];
    // Compared as they are, reported masked: a secret that changed is drift all the same.
    collectChanges(
      { value: toJson(change.before), sensitive: change.before_sensitive },
      { value: toJson(change.after), sensitive: change.after_sensitive },
      [],
      changed,
    );
    const kept = changed.flatMap((item) => {
      const severity = attributeSeverity(type, item.path, item.after);
      return severity === 'dropped' ? [] : [{ ...item, severity }];
    });
    if (kept.length > MAX_ATTRIBUTES_PER_RESOURCE) {
      const severity = kept.map((item) => item.severity).sort(bySeverity)[0] ?? 'low';
      observations.push({
        ...base,
        attribute: '(many)',
        severity,
        summary: `${kept.length} attributes of ${address} changed outside Terraform`,
        before,
        after,
      });
      continue;
    }
    for (const item of kept) {
      observations.push({
        ...base,
        attribute: item.path,
        severity: item.severity,
        summary: `${address}: ${item.path} changed outside Terraform`,
        before: item.before,
        after: item.after,
      });
    }
  }
  return { ok: true, observations };
}

const severityOrder = ['critical', 'high', 'medium', 'low'];
function bySeverity(a: string, b: string): number {
  return severityOrder.indexOf(a) - severityOrder.indexOf(b);
}

/**
 * Leaf differences between two values: objects are compared key by key, lists of one
 * length item by item; anything else that differs is one change at its path.
 */
function collectChanges(
  before: Marked,
  after: Marked,
  path: readonly string[],
  into: { path: string; before: Json; after: Json }[],
): void {
  if (sameJson(before.value, after.value)) return;
  const [b, a] = [before.value, after.value];
  if (isObject(b) && isObject(a)) {
    const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
    for (const key of [...keys].sort())
      collectChanges(
        { value: b[key] ?? null, sensitive: part(before.sensitive, key) },
        { value: a[key] ?? null, sensitive: part(after.sensitive, key) },
        [...path, key],
        into,
      );
    return;
  }
  if (Array.isArray(b) && Array.isArray(a) && b.length === a.length && path.length > 0) {
    b.forEach((item: Json, index) => {
      collectChanges(
        { value: item, sensitive: part(before.sensitive, index) },
        { value: a[index] as Json, sensitive: part(after.sensitive, index) },
        [...path, String(index)],
        into,
      );
    });
    return;
  }
  into.push({
    path: path.join('.'),
    before: masked(before.value, before.sensitive),
    after: masked(after.value, after.sensitive),
  });
}

/** A value and Terraform's mirror of it that marks its sensitive parts. */
interface Marked {
  readonly value: Json;
  readonly sensitive: unknown;
}

function part(sensitive: unknown, key: string | number): unknown {
  if (sensitive === true) return true;
  if (sensitive === null || typeof sensitive !== 'object') return undefined;
  return (sensitive as Record<string | number, unknown>)[key];
}

function isObject(value: Json): value is { readonly [key: string]: Json } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sameJson(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function toJson(value: unknown): Json {
  return value === undefined ? null : (value as Json);
}

/**
 * The value with every part `sensitive` marks replaced: Terraform marks a sensitive value
 * with `true` at its place in a mirror of the value.
 */
function masked(value: Json, sensitive: unknown): Json {
  if (sensitive === true) return value === null ? null : SENSITIVE;
  if (Array.isArray(value) && Array.isArray(sensitive))
    return value.map((item: Json, index) => masked(item, sensitive[index]));
  if (isObject(value) && sensitive !== null && typeof sensitive === 'object') {
    const marks = sensitive as Readonly<Record<string, unknown>>;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, masked(item, marks[key])]),
    );
  }
  return value;
}
