import * as v from 'valibot';
import type { Json } from '../governance/governance-model.ts';
import type { LiveAssets, LiveBinding, LiveIamPolicy, LiveResource } from './asset-records.ts';

/** Where and why a file of assets could not be read: 1-based line and column. */
export interface AssetFileError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** What was expected and what was found. */
  readonly message: string;
}

/** A file of assets read, or why not. */
export type AssetFileResult =
  | { readonly ok: true; readonly assets: LiveAssets }
  | { readonly ok: false; readonly error: AssetFileError };

// A record, as valibot's `record` would be, but never an array, which it lets through.
const attributes = v.custom<{ [key: string]: Json }>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  (issue) => `expected Object, found ${issue.received}`,
);
const binding = v.looseObject({
  role: v.string(),
  members: v.optional(v.array(v.string()), []),
  condition: v.optional(v.looseObject({ expression: v.string(), title: v.optional(v.string()) })),
});
const policy = v.looseObject({ bindings: v.optional(v.array(binding), []) });

/** An element of `gcloud asset search-all-iam-policies --format=json`. */
const searchedPolicy = v.looseObject({
  resource: v.string(),
  assetType: v.string(),
  project: v.optional(v.string()),
  policy,
});

/** An element of `gcloud asset search-all-resources --format=json`. */
const searchedResource = v.looseObject({
  name: v.string(),
  assetType: v.string(),
  project: v.optional(v.string()),
  displayName: v.optional(v.string()),
  location: v.optional(v.string()),
  parentFullResourceName: v.optional(v.string()),
  additionalAttributes: v.optional(attributes),
});

// `gcloud asset export` writes each asset as the API's JSON with the proto field names
// (`asset_type`, `iam_policy`); both spellings are read.
const exportedCommon = {
  name: v.string(),
  asset_type: v.optional(v.string()),
  assetType: v.optional(v.string()),
  ancestors: v.optional(v.array(v.string()), []),
};
/** A line of `gcloud asset export --content-type=iam-policy`. */
const exportedPolicy = v.looseObject({
  ...exportedCommon,
  iam_policy: v.optional(policy),
  iamPolicy: v.optional(policy),
});
/** A line of `gcloud asset export --content-type=resource`. */
const exportedResource = v.looseObject({
  ...exportedCommon,
  resource: v.looseObject({
    parent: v.optional(v.string()),
    location: v.optional(v.string()),
    data: v.optional(attributes, {}),
  }),
});

type Record_ = { policy: LiveIamPolicy } | { resource: LiveResource };

/**
 * Reads a file of Cloud Asset Inventory output, whichever of the four gcloud shapes it
 * has, told apart by content: a JSON array is a `search-all-iam-policies` or
 * `search-all-resources` result (`--format=json`), one JSON object per line is an
 * `export` (`--content-type=iam-policy` or `resource`). Each element is recognised by its
 * own fields, so one file may hold both. The first element that is not one of them is
 * the error, with its line.
 */
export function parseAssetFile(file: string, text: string): AssetFileResult {
  const lines = lineStarts(text);
  const at = (offset: number) => position(lines, offset);
  const fail = (offset: number, message: string): AssetFileResult => ({
    ok: false,
    error: { file, ...at(offset), message },
  });
  const start = text.search(/\S/);
  if (start === -1) return { ok: true, assets: { policies: [], resources: [] } };

  const elements: { value: unknown; offset: number }[] = [];
  if (text[start] === '[') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return fail(syntaxErrorOffset(error, lines), `expected JSON, ${syntaxError(error)}`);
    }
    const offsets = arrayElementOffsets(text, start);
    (parsed as unknown[]).forEach((value, index) => {
      elements.push({ value, offset: offsets[index] ?? start });
    });
  } else {
    for (let line = 0; line < lines.length; line++) {
      const from = lines[line] ?? 0;
      const to = (lines[line + 1] ?? text.length + 1) - 1;
      const content = text.slice(from, to);
      if (content.trim() === '') continue;
      try {
        elements.push({ value: JSON.parse(content), offset: from });
      } catch (error) {
        return fail(
          from,
          `expected one JSON object per line (gcloud asset export), ${syntaxError(error)}`,
        );
      }
    }
  }

  const policies: LiveIamPolicy[] = [];
  const resources: LiveResource[] = [];
  for (const { value, offset } of elements) {
    const read = readElement(value);
    if (typeof read === 'string') return fail(offset, read);
    if ('policy' in read) policies.push(read.policy);
    else resources.push(read.resource);
  }
  return { ok: true, assets: { policies, resources } };
}

/** One element as a record, or what was wrong with it. */
function readElement(value: unknown): Record_ | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `expected an asset object, found ${describe(value)}`;
  const object = value as Record<string, unknown>;
  if ('policy' in object) {
    const parsed = v.safeParse(searchedPolicy, value);
    if (!parsed.success) return problem('search-all-iam-policies result', parsed.issues);
    const { resource, assetType, project, policy: found } = parsed.output;
    return {
      policy: { asset: resource, assetType, ...optional({ project }), ...bindingsOf(found) },
    };
  }
  if ('iam_policy' in object || 'iamPolicy' in object) {
    const parsed = v.safeParse(exportedPolicy, value);
    if (!parsed.success) return problem('iam-policy export line', parsed.issues);
    const output = parsed.output;
    const assetType = output.asset_type ?? output.assetType;
    if (assetType === undefined) return 'iam-policy export line: expected asset_type, found none';
    return {
      policy: {
        asset: output.name,
        assetType,
        ...optional({ project: projectOf(output.ancestors) }),
        ...bindingsOf(output.iam_policy ?? output.iamPolicy ?? { bindings: [] }),
      },
    };
  }
  if (typeof object['resource'] === 'object') {
    const parsed = v.safeParse(exportedResource, value);
    if (!parsed.success) return problem('resource export line', parsed.issues);
    const output = parsed.output;
    const assetType = output.asset_type ?? output.assetType;
    if (assetType === undefined) return 'resource export line: expected asset_type, found none';
    const data = output.resource.data;
    const displayName = data['displayName'];
    return {
      resource: {
        asset: output.name,
        assetType,
        ...optional({
          project: projectOf(output.ancestors),
          displayName: typeof displayName === 'string' ? displayName : undefined,
          parent: output.resource.parent,
          location: output.resource.location,
        }),
        attributes: data,
      },
    };
  }
  if ('name' in object && 'assetType' in object) {
    const parsed = v.safeParse(searchedResource, value);
    if (!parsed.success) return problem('search-all-resources result', parsed.issues);
    const output = parsed.output;
    return {
      resource: {
        asset: output.name,
        assetType: output.assetType,
        ...optional({
          project: output.project,
          displayName: output.displayName,
          parent: output.parentFullResourceName,
          location: output.location,
        }),
        attributes: output.additionalAttributes ?? {},
      },
    };
  }
  const keys = Object.keys(object);
  return (
    'expected a result of gcloud asset search-all-iam-policies (resource, policy), ' +
    'search-all-resources (name, assetType) or export (name, iam_policy or resource), ' +
    `found an object with ${keys.length === 0 ? 'no keys' : `keys ${keys.slice(0, 6).join(', ')}`}`
  );
}

function bindingsOf(policy: {
  bindings: readonly {
    role: string;
    members: readonly string[];
    condition?: { expression: string; title?: string | undefined } | undefined;
  }[];
}): { bindings: LiveBinding[] } {
  return {
    bindings: policy.bindings.map(({ role, members, condition }) => ({
      role,
      members,
      ...(condition === undefined
        ? {}
        : {
            condition: {
              expression: condition.expression,
              ...optional({ title: condition.title }),
            },
          }),
    })),
  };
}

/** The project an exported asset is in: the `projects/<number>` among its ancestors. */
function projectOf(ancestors: readonly string[]): string | undefined {
  return ancestors.find((ancestor) => ancestor.startsWith('projects/'));
}

function problem(shape: string, issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  const path = issue === undefined ? '' : (v.getDotPath(issue) ?? '');
  const what =
    issue?.type === 'custom'
      ? issue.message
      : `expected ${issue?.expected ?? 'a valid value'}, found ${issue?.received ?? 'something else'}`;
  return `${shape}${path === '' ? '' : ` at ${path}`}: ${what}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value).slice(0, 40) : typeof value;
}

function optional<T extends Record<string, unknown>>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function syntaxError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `found a syntax error: ${message.replace(/ in JSON at position.*$/, '')}`;
}

// V8 says where JSON.parse stopped: "… at position 42 (line 3 column 5)".
function syntaxErrorOffset(error: unknown, lines: readonly number[]): number {
  const message = error instanceof Error ? error.message : '';
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn !== null)
    return (lines[Number(lineColumn[1]) - 1] ?? 0) + Number(lineColumn[2]) - 1;
  const offset = /at position (\d+)/.exec(message);
  return offset === null ? 0 : Number(offset[1]);
}

/** The offset each line starts at. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

function position(lines: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = lines.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lines[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - (lines[low] ?? 0) + 1 };
}

/**
 * Where each element of the top-level array of valid JSON text starts: strings are
 * skipped whole, so brackets inside them are not counted.
 */
function arrayElementOffsets(text: string, open: number): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let expectElement = false;
  for (let at = open; at < text.length; at++) {
    const char = text[at];
    if (char === '"') {
      if (expectElement) offsets.push(at);
      expectElement = false;
      for (at++; at < text.length && text[at] !== '"'; at++) if (text[at] === '\\') at++;
    } else if (char === '[' || char === '{') {
      if (expectElement) offsets.push(at);
      expectElement = depth === 0 && char === '[';
      depth++;
    } else if (char === ']' || char === '}') {
      depth--;
      expectElement = false;
    } else if (char === ',' && depth === 1) {
      expectElement = true;
    } else if (expectElement && char !== undefined && /\S/.test(char)) {
      offsets.push(at);
      expectElement = false;
    }
  }
  return offsets;
}
