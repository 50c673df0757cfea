import * as v from 'valibot';
import { createIssue, type Issue } from '../issues/issue.ts';
import type { RuleId } from '../issues/rules.ts';
import { DNS_LABEL, RESERVED_NAMES, describeValue } from '../manifests/fields.ts';
import {
  API_VERSION,
  isKind,
  isManifestHeader,
  kindParents,
  kinds,
  type Kind,
} from '../manifests/kinds.ts';
import { manifestSchemas, type Manifest } from '../manifests/manifest.ts';
import {
  locate,
  toPointer,
  type LocatedPart,
  type SourceDocument,
} from '../parse/source-document.ts';
import { didYouMean } from '../text/suggest.ts';

/** What one parsed YAML value turned out to be. */
export type ManifestResult =
  | { readonly status: 'valid'; readonly manifest: Manifest }
  | {
      readonly status: 'invalid';
      readonly kind: Kind | undefined;
      readonly issues: readonly Issue[];
    }
  | { readonly status: 'not-a-manifest' };

/**
 * Checks one parsed document against the schema of its kind. A mapping is a manifest
 * when its apiVersion starts with `lowops.` or its kind is one of the format's kinds;
 * anything else (a CI workflow, a Kubernetes file) is not this format and is left alone.
 */
export function validateManifest(source: SourceDocument, value: unknown): ManifestResult {
  if (!isRecord(value)) return { status: 'not-a-manifest' };
  const { apiVersion, kind } = value;
  const ours = isManifestHeader(apiVersion, kind);
  if (!ours) return { status: 'not-a-manifest' };

  const issues: Issue[] = [];
  const fail = (rule: RuleId, pointer: string, message: string, part: LocatedPart = 'value') =>
    issues.push(createIssue(rule, locate(source, pointer, part), message));

  if (apiVersion !== API_VERSION) {
    fail(
      'manifest/api-version',
      '/apiVersion',
      `apiVersion: expected "${API_VERSION}", found ${describeValue(apiVersion)}`,
    );
  }
  if (!isKind(kind)) {
    const found =
      typeof kind === 'string' ? `"${kind}"${didYouMean(kind, kinds)}` : describeValue(kind);
    fail(
      'manifest/unknown-kind',
      '/kind',
      `kind: expected a kind of ${API_VERSION}, found ${found}`,
    );
    return { status: 'invalid', kind: undefined, issues };
  }

  const spec = value.spec;
  let checked: Record<string, unknown> = value;
  if (isRecord(spec) && 'computed' in spec) {
    fail(
      'schema/computed',
      '/spec/computed',
      'spec.computed: expected no such field, found one; the platform writes it, never a manifest',
      'key',
    );
    const { computed: _computed, ...rest } = spec;
    checked = { ...value, spec: rest };
  }

  const result = v.safeParse(manifestSchemas[kind], checked, { abortEarly: false });
  for (const problem of result.issues ?? []) {
    if (problem.path?.[0]?.key === 'apiVersion') continue; // reported above, more precisely
    const { rule, pointer, part, message } = describeIssue(kind, problem);
    fail(rule, pointer, message, part);
  }
  if (issues.length > 0 || !result.success) return { status: 'invalid', kind, issues };
  return { status: 'valid', manifest: result.output };
}

function describeIssue(kind: Kind, issue: v.BaseIssue<unknown>) {
  const segments = (issue.path ?? []).map((item) => item.key as string | number);
  const pointer = toPointer(segments);
  const field = segments.join('.');
  const last = issue.path?.at(-1);
  if (issue.type === 'strict_object' && last?.origin === 'key') {
    if (issue.expected === 'never') {
      return {
        rule: 'schema/unknown-field' as const,
        pointer,
        part: 'key' as const,
        message: prefix(segments, issue.message),
      };
    }
    const parent = toPointer(segments.slice(0, -1));
    const isParent = segments.length === 2 && segments[0] === 'metadata' && segments[1] !== 'name';
    return isParent
      ? {
          rule: 'ref/missing-parent' as const,
          pointer: parent,
          part: 'key' as const,
          message: `metadata.${String(segments[1])}: expected the name of the ${String(segments[1])} this ${kind} belongs to, found nothing (a ${kind} names ${kindParents[kind].join(', ')})`,
        }
      : {
          rule: 'schema/required' as const,
          pointer: parent,
          part: 'key' as const,
          message: `${field}: expected this required field, found nothing`,
        };
  }
  const part = last?.origin === 'key' ? ('key' as const) : ('value' as const);
  if (issue.kind === 'validation') {
    const rule: RuleId =
      issue.requirement === DNS_LABEL || issue.requirement === RESERVED_NAMES
        ? 'schema/name'
        : 'schema/value';
    return { rule, pointer, part, message: prefix(segments, issue.message) };
  }
  if (issue.type === 'picklist' || issue.type === 'literal') {
    const options = [...(issue.expected ?? '').matchAll(/"([^"]*)"/g)].map(
      (match) => match[1] ?? '',
    );
    const hint = typeof issue.input === 'string' ? didYouMean(issue.input, options) : '';
    return {
      rule: 'schema/enum' as const,
      pointer,
      part,
      message: prefix(
        segments,
        `expected ${options.length > 1 ? 'one of ' : ''}${options.map((o) => `"${o}"`).join(', ')}, found ${describeValue(issue.input)}${hint}`,
      ),
    };
  }
  if (issue.type === 'custom') {
    return {
      rule: 'schema/type' as const,
      pointer,
      part,
      message: prefix(segments, issue.message),
    };
  }
  if (issue.type === 'union')
    return {
      rule: 'schema/value' as const,
      pointer,
      part,
      message: prefix(segments, issue.message),
    };
  return {
    rule: 'schema/type' as const,
    pointer,
    part,
    message: prefix(
      segments,
      `expected ${expectedType(issue.expected)}, found ${describeValue(issue.input)}`,
    ),
  };
}

function prefix(segments: readonly (string | number)[], message: string): string {
  return segments.length === 0 ? message : `${segments.join('.')}: ${message}`;
}

function expectedType(expected: string | null): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'Array':
      return 'a list';
    case 'Object':
      return 'a mapping';
    default:
      return expected ?? 'a value';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
