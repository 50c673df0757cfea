import fc from 'fast-check';
import type { Scalar } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../shared/core/issues/issue.ts';
import { rules } from '../../shared/core/issues/rules.ts';
import { parentKinds, type ParentKey } from '../../shared/core/manifests/kinds.ts';
import { manifestSchemas } from '../../shared/core/manifests/manifest.ts';
import { readYamlFile } from '../../shared/core/parse/read-yaml-file.ts';
import { defaultYamlLimits } from '../../shared/core/parse/yaml-limits.ts';
import {
  validateRepository,
  type RepositoryFile,
} from '../../shared/core/validate/validate-repository.ts';
import {
  encodeUtf8,
  organizationArbitrary,
  serializeManifest,
  type GeneratedOrganization,
  type ValuePath,
} from '../support/arbitraries/index.ts';

/**
 * Run counts keep the file near 15 s on two cores. A failing property shrinks for at most
 * a minute, so that a bug reports its smallest counterexample without hanging the suite.
 */
const runs = { valid: 100, mutated: 150, shuffled: 40, bytes: 1000, text: 1000 };
const shrinkLimit = { interruptAfterTimeLimit: 60_000 };
const timeout = 120_000;

// ---------------------------------------------------------------------------------------
// Where issues may point
// ---------------------------------------------------------------------------------------

const BOM = [0xef, 0xbb, 0xbf];
const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** The text a reader sees: the BOM is reported and skipped, invalid bytes replaced. */
function textOf(bytes: Uint8Array): string {
  const bom = BOM.every((byte, index) => bytes[index] === byte);
  return lenient.decode(bom ? bytes.subarray(BOM.length) : bytes);
}

/** Lines as YAML 1.2 counts them: CR LF, CR or LF ends a line; a position may follow the last. */
function lineCount(bytes: Uint8Array): number {
  return textOf(bytes).split(/\r\n|\r|\n/).length;
}

/** Every issue names an input file, a line and column inside it, a known rule, and says what. */
function expectLocated(issues: readonly Issue[], files: readonly RepositoryFile[]): void {
  const lines = new Map(files.map((file) => [file.path, lineCount(file.bytes)]));
  for (const issue of issues) {
    const context = JSON.stringify(issue);
    const last = lines.get(issue.file);
    expect(last, `file of ${context}`).toBeDefined();
    expect(issue.line, `line of ${context}`).toBeGreaterThanOrEqual(1);
    expect(issue.line, `line of ${context}`).toBeLessThanOrEqual(last ?? 0);
    expect(issue.column, `column of ${context}`).toBeGreaterThanOrEqual(1);
    if (issue.endLine !== undefined) {
      expect(issue.endLine, `endLine of ${context}`).toBeGreaterThanOrEqual(issue.line);
      expect(issue.endLine, `endLine of ${context}`).toBeLessThanOrEqual(last ?? 0);
    }
    expect(Object.hasOwn(rules, issue.rule), `rule of ${context}`).toBe(true);
    expect(issue.severity, `severity of ${context}`).toBe(rules[issue.rule].severity);
    expect(issue.message.trim(), `message of ${context}`).not.toBe('');
    expect(issue.pointer === '' || issue.pointer.startsWith('/'), `pointer of ${context}`).toBe(
      true,
    );
    for (const related of issue.related ?? []) {
      expect(lines.has(related.file), `related file of ${context}`).toBe(true);
      expect(related.line, `related line of ${context}`).toBeGreaterThanOrEqual(1);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------

const noise = [
  ...Array.from('{}[]:|>"\'#@`,?!%&*-\n\t\r '),
  ': ',
  '- ',
  '? ',
  '&a ',
  '*a',
  '!!str ',
  '!custom ',
  '<<: ',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '\u00a0',
  '\ufeff',
  '\u0000',
  '\u{1f600}',
];

/**
 * One change to one file of a valid organization. Numbers choose among what the
 * organization contains (modulo its size), so the mutation shrinks independently.
 */
const mutationArbitrary = fc.oneof(
  fc.record({ type: fc.constant('delete-required' as const), file: fc.nat(), choice: fc.nat() }),
  fc.record({
    type: fc.constant('unknown-field' as const),
    file: fc.nat(),
    choice: fc.nat(),
    key: fc.string({
      unit: fc.constantFrom(...Array.from('abcdefghijklmnopqrstuvwxyz')),
      maxLength: 8,
    }),
    value: fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.integer(),
      fc.boolean(),
      fc.constant<Json>([]),
    ),
  }),
  fc.record({
    type: fc.constant('wrong-type' as const),
    file: fc.nat(),
    choice: fc.nat(),
    replacement: fc.nat(),
  }),
  fc.record({ type: fc.constant('rename-reference' as const), choice: fc.nat() }),
  fc.record({ type: fc.constant('rename-target' as const), choice: fc.nat() }),
  fc.record({
    type: fc.constant('change-parent' as const),
    file: fc.nat(),
    choice: fc.nat(),
    other: fc.option(fc.nat()),
  }),
  fc.record({
    type: fc.constant('duplicate-file' as const),
    file: fc.nat(),
    directory: fc.constantFrom('copy', 'backup', 'a/b'),
  }),
  fc.record({
    type: fc.constant('alias' as const),
    file: fc.nat(),
    first: fc.nat(),
    second: fc.nat(),
  }),
  fc.record({
    type: fc.constant('syntax-noise' as const),
    file: fc.nat(),
    offset: fc.nat(),
    noise: fc.constantFrom(...noise),
  }),
  fc.record({ type: fc.constant('truncate' as const), file: fc.nat(), offset: fc.nat() }),
  fc.record({ type: fc.constant('tab' as const), file: fc.nat(), line: fc.nat() }),
  fc.record({ type: fc.constant('append-document' as const), file: fc.nat() }),
  fc.record({ type: fc.constant('byte-order-mark' as const), file: fc.nat() }),
  fc.record({
    type: fc.constant('flip-bytes' as const),
    file: fc.nat(),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
      minLength: 1,
      maxLength: 3,
    }),
  }),
);

type Mutation = typeof mutationArbitrary extends fc.Arbitrary<infer T> ? T : never;

interface Mutated {
  readonly files: RepositoryFile[];
  /** What was done, for failure messages. */
  readonly description: string;
  /** When the change certainly breaks validity: the files an error must be reported in. */
  readonly errorIn?: readonly string[];
  /** Files that declare the same manifest: each must have its duplicate reported once. */
  readonly duplicateIn?: readonly string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nth<T>(items: readonly T[], index: number): T {
  const item = items[index % items.length];
  if (item === undefined) throw new Error('nothing to choose from');
  return item;
}

/** Paths to every scalar, in the order `stringify` writes them. */
function scalarPaths(value: Json, path: ValuePath = []): ValuePath[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => scalarPaths(item, [...path, i]));
  if (isRecord(value)) {
    return Object.entries(value).flatMap(([key, item]) => scalarPaths(item, [...path, key]));
  }
  return [path];
}

/** Paths to every mapping, the root included. */
function mappingPaths(value: Json, path: ValuePath = []): ValuePath[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => mappingPaths(item, [...path, i]));
  if (!isRecord(value)) return [];
  return [
    path,
    ...Object.entries(value).flatMap(([key, item]) => mappingPaths(item, [...path, key])),
  ];
}

/** The parts of a valibot schema this test looks at. */
interface SchemaShape {
  readonly type: string;
  readonly kind?: string;
  readonly entries?: Readonly<Record<string, SchemaShape>>;
  readonly item?: SchemaShape;
  readonly value?: SchemaShape;
  readonly wrapped?: SchemaShape;
  readonly pipe?: readonly SchemaShape[];
}

/** The schema that describes the structure: through `optional` and along a `pipe`. */
function structural(schema: SchemaShape): SchemaShape {
  const shape = schema.type === 'optional' && schema.wrapped ? schema.wrapped : schema;
  if (shape.entries || shape.item || shape.value) return shape;
  const inner = shape.pipe?.find(
    (step) => step !== shape && step.kind === 'schema' && (step.entries ?? step.item ?? step.value),
  );
  return inner === undefined ? shape : structural(inner);
}

/** Paths to the fields present in a value that its schema requires. */
function requiredPaths(schema: SchemaShape, value: Json, path: ValuePath = []): ValuePath[] {
  const shape = structural(schema);
  if (shape.entries && isRecord(value)) {
    return Object.entries(shape.entries).flatMap(([key, entry]) => {
      const item = value[key];
      if (item === undefined) return [];
      const here = entry.type === 'optional' ? [] : [[...path, key]];
      return [...here, ...requiredPaths(entry, item, [...path, key])];
    });
  }
  if (shape.type === 'array' && shape.item && Array.isArray(value)) {
    const item = shape.item;
    return value.flatMap((entry, i) => requiredPaths(item, entry, [...path, i]));
  }
  if (shape.type === 'record' && shape.value && isRecord(value)) {
    const item = shape.value;
    return Object.entries(value).flatMap(([key, entry]) =>
      requiredPaths(item, entry, [...path, key]),
    );
  }
  return [];
}

function getAt(value: Json, path: ValuePath): Json {
  let node: Json = value;
  for (const segment of path) {
    const next: Json | undefined = Array.isArray(node)
      ? node[Number(segment)]
      : isRecord(node)
        ? node[String(segment)]
        : undefined;
    if (next === undefined) throw new Error(`no value at /${path.join('/')}`);
    node = next;
  }
  return node;
}

function setAt(value: Json, path: ValuePath, replacement: Json): void {
  const parent = getAt(value, path.slice(0, -1));
  const last = path.at(-1);
  if (Array.isArray(parent)) parent[Number(last)] = replacement;
  else if (isRecord(parent)) parent[String(last)] = replacement;
}

function deleteAt(value: Json, path: ValuePath): void {
  const parent = getAt(value, path.slice(0, -1));
  if (isRecord(parent)) Reflect.deleteProperty(parent, String(path.at(-1)));
}

/** Renames a mapping key in place, keeping the order of the keys. */
function renameKeyAt(value: Json, path: ValuePath, to: string): void {
  const parent = getAt(value, path.slice(0, -1));
  if (!isRecord(parent)) return;
  const from = String(path.at(-1));
  const entries = Object.entries(parent).map(([key, item]): [string, Json] => [
    key === from ? to : key,
    item,
  ]);
  for (const key of Object.keys(parent)) Reflect.deleteProperty(parent, key);
  for (const [key, item] of entries) parent[key] = item;
}

/** A value of another type than the scalar it replaces. */
function otherType(scalar: Json, which: number): Json {
  const candidates: Json[] =
    typeof scalar === 'string'
      ? [42, true, null, [], { x: 'y' }]
      : typeof scalar === 'number'
        ? [`${scalar}`, false, null, [scalar]]
        : typeof scalar === 'boolean'
          ? [`${scalar}`, 1, null, {}]
          : ['text', 0];
  return nth(candidates, which);
}

/** A name that nothing in the organization uses, as a key or a value. */
function freshName(org: GeneratedOrganization): string {
  const used = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') used.add(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (isRecord(value)) {
      for (const [key, item] of Object.entries(value)) {
        used.add(key);
        walk(item);
      }
    }
  };
  org.manifests.forEach((file) => {
    walk(file.manifest);
  });
  let name = 'renamed';
  for (let n = 2; used.has(name); n++) name = `renamed-${n}`;
  return name;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const result = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

/** Applies a mutation; says which files must then hold an error, when that is certain. */
function mutate(org: GeneratedOrganization, mutation: Mutation): Mutated {
  const index = 'file' in mutation ? mutation.file % org.manifests.length : 0;
  const target = nth(org.manifests, index);
  const path = target.path;
  const clone = (): Json => structuredClone(target.manifest) as unknown as Json;
  const withFile = (i: number, bytes: Uint8Array): RepositoryFile[] =>
    org.files.map((file, j) => (j === i ? { path: file.path, bytes } : file));
  const rewrite = (i: number, value: Json): RepositoryFile[] =>
    withFile(i, encodeUtf8(serializeManifest(value, nth(org.manifests, i).style)));
  const bytes = nth(org.files, index).bytes;
  const text = textOf(bytes);

  switch (mutation.type) {
    case 'delete-required': {
      const value = clone();
      const required = requiredPaths(manifestSchemas[target.manifest.kind], value);
      const field = nth(required, mutation.choice);
      deleteAt(value, field);
      return {
        files: rewrite(index, value),
        description: `deleted required /${field.join('/')} of ${path}`,
        errorIn: [path],
      };
    }
    case 'unknown-field': {
      const value = clone();
      const mapping = nth(mappingPaths(value), mutation.choice);
      // An underscore is in no field name and no DNS label, so no schema accepts the key.
      const key = `x_${mutation.key}`;
      setAt(value, [...mapping, key], mutation.value);
      return {
        files: rewrite(index, value),
        description: `added /${[...mapping, key].join('/')} to ${path}`,
        errorIn: [path],
      };
    }
    case 'wrong-type': {
      const value = clone();
      const scalar = nth(scalarPaths(value), mutation.choice);
      const replacement = otherType(getAt(value, scalar), mutation.replacement);
      setAt(value, scalar, replacement);
      return {
        files: rewrite(index, value),
        description: `replaced /${scalar.join('/')} of ${path} with ${JSON.stringify(replacement)}`,
        // A file whose apiVersion is not text is another format (a Kubernetes kind has the
        // same name), not a broken manifest: it may be left alone.
        ...(scalar.join('/') !== 'apiVersion' && { errorIn: [path] }),
      };
    }
    case 'rename-reference': {
      const reference = nth(org.references, mutation.choice);
      const from = nth(org.manifests, reference.from);
      const value = structuredClone(from.manifest) as unknown as Json;
      const name = freshName(org);
      if (reference.isKey) renameKeyAt(value, reference.path, name);
      else setAt(value, reference.path, name);
      return {
        files: rewrite(reference.from, value),
        description: `renamed the reference /${reference.path.join('/')} of ${from.path} to "${name}"`,
        errorIn: [from.path],
      };
    }
    case 'rename-target': {
      const targets = [
        ...new Set(org.references.filter((r) => !r.hasAlternatives).map((r) => r.to)),
      ];
      const to = nth(targets, mutation.choice);
      const renamed = nth(org.manifests, to);
      const value = structuredClone(renamed.manifest) as unknown as Json;
      const name = freshName(org);
      setAt(value, ['metadata', 'name'], name);
      const referrers = [
        ...new Set(
          org.references.filter((r) => r.to === to).map((r) => nth(org.manifests, r.from).path),
        ),
      ];
      return {
        files: rewrite(to, value),
        description: `renamed ${renamed.manifest.kind} ${renamed.path} to "${name}"; referrers ${JSON.stringify(referrers)}`,
        errorIn: referrers,
      };
    }
    case 'change-parent': {
      const keys = Object.keys(target.manifest.metadata).filter(
        (key): key is ParentKey => key !== 'name',
      );
      if (keys.length === 0) return { files: [...org.files], description: 'nothing changed' };
      const key = nth(keys, mutation.choice);
      const kind = parentKinds[key];
      const current = (target.manifest.metadata as Record<string, string>)[key];
      const others = org.manifests
        .filter((file) => file.manifest.kind === kind && file.manifest.metadata.name !== current)
        .map((file) => file.manifest.metadata.name);
      const fresh = mutation.other === null || others.length === 0;
      const name = fresh ? freshName(org) : nth(others, mutation.other ?? 0);
      const value = clone();
      setAt(value, ['metadata', key], name);
      return {
        files: rewrite(index, value),
        description: `set metadata.${key} of ${path} to "${name}"`,
        // Another existing parent may hold a manifest of the same name: not certain then.
        ...(fresh && { errorIn: [path] }),
      };
    }
    case 'duplicate-file': {
      let copy = `${mutation.directory}/${path}`;
      while (org.files.some((file) => file.path === copy)) copy = `${mutation.directory}/${copy}`;
      return {
        files: [...org.files, { path: copy, bytes }],
        description: `copied ${path} to ${copy}`,
        errorIn: [path, copy],
        duplicateIn: [path, copy],
      };
    }
    case 'alias': {
      const value = clone();
      const scalars = scalarPaths(value);
      const first = mutation.first % (scalars.length - 1);
      const second = first + 1 + (mutation.second % (scalars.length - 1 - first));
      const text = serializeManifest(value, target.style, (document) => {
        const anchored = document.getIn(nth(scalars, first), true) as Scalar;
        document.setIn(nth(scalars, second), document.createAlias(anchored, 'shared'));
      });
      return {
        files: withFile(index, encodeUtf8(text)),
        description: `replaced /${nth(scalars, second).join('/')} of ${path} with an alias of /${nth(scalars, first).join('/')}`,
        errorIn: [path],
      };
    }
    case 'syntax-noise': {
      const offset = mutation.offset % (bytes.length + 1);
      return {
        files: withFile(
          index,
          concat(bytes.subarray(0, offset), encodeUtf8(mutation.noise), bytes.subarray(offset)),
        ),
        description: `inserted ${JSON.stringify(mutation.noise)} at byte ${offset} of ${path}`,
      };
    }
    case 'truncate': {
      const offset = mutation.offset % (bytes.length + 1);
      return {
        files: withFile(index, bytes.slice(0, offset)),
        description: `truncated ${path} at byte ${offset}`,
      };
    }
    case 'tab': {
      const starts = [0, ...[...text.matchAll(/\n/g)].map((match) => match.index + 1)];
      const start = nth(starts, mutation.line);
      const changed = `${text.slice(0, start)}\t${text.slice(start)}`;
      return {
        files: withFile(index, encodeUtf8(changed)),
        description: `inserted a tab at character ${start} of ${path}`,
      };
    }
    case 'append-document':
      return {
        files: withFile(index, encodeUtf8(`${text}---\nx: 1`)),
        description: `appended a second document to ${path}`,
        errorIn: [path],
      };
    case 'byte-order-mark':
      return {
        files: withFile(index, concat(new Uint8Array(BOM), bytes)),
        description: `prepended a byte-order mark to ${path}`,
        errorIn: [path],
      };
    case 'flip-bytes': {
      const flipped = bytes.slice();
      for (const [at, bits] of mutation.flips) {
        if (flipped.length === 0) break;
        const offset = at % flipped.length;
        flipped[offset] = (flipped[offset] ?? 0) ^ bits;
      }
      return { files: withFile(index, flipped), description: `flipped bits of ${path}` };
    }
  }
}

/** A permutation of the files, Fisher-Yates driven by the given numbers. */
function shuffle<T>(items: readonly T[], swaps: readonly number[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = (swaps[i % Math.max(1, swaps.length)] ?? 0) % (i + 1);
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

describe('validateRepository, by property', () => {
  it(
    '1. reports nothing for a random valid organization, and counts every manifest',
    () => {
      fc.assert(
        fc.property(organizationArbitrary(), (org) => {
          const result = validateRepository(org.files);
          expect(result.issues).toEqual([]);
          expect(result.manifestCount).toBe(org.manifests.length);
          expect(result.manifests).toHaveLength(org.manifests.length);
        }),
        { numRuns: runs.valid, ...shrinkLimit },
      );
    },
    timeout,
  );

  it(
    '2. never throws on a mutated organization, locates every issue, and reports what certainly breaks',
    () => {
      fc.assert(
        fc.property(organizationArbitrary(), mutationArbitrary, (org, mutation) => {
          const mutated = mutate(org, mutation);
          const result = validateRepository(mutated.files);
          expectLocated(result.issues, mutated.files);
          if (mutated.errorIn !== undefined) {
            const where = mutated.errorIn;
            const errors = result.issues.filter(
              (issue) => issue.severity === 'error' && where.includes(issue.file),
            );
            expect(
              errors,
              `${mutated.description}: expected an error in ${JSON.stringify(where)}, found ${JSON.stringify(result.issues)}`,
            ).not.toHaveLength(0);
          }
          if (mutated.duplicateIn !== undefined) {
            const duplicates = result.issues
              .filter((issue) => issue.rule === 'identity/duplicate')
              .map((issue) => issue.file);
            expect(duplicates, mutated.description).toEqual([...mutated.duplicateIn].sort());
          }
        }),
        { numRuns: runs.mutated, ...shrinkLimit },
      );
    },
    timeout,
  );

  it(
    '3. reports the same issues, in file, line and column order, whatever the order of the files',
    () => {
      fc.assert(
        fc.property(
          organizationArbitrary(),
          mutationArbitrary,
          fc.array(fc.nat(), { minLength: 1, maxLength: 50 }),
          (org, mutation, swaps) => {
            const { files } = mutate(org, mutation);
            const expected = validateRepository(files);
            const shuffled = validateRepository(shuffle(files, swaps));
            expect(shuffled.issues).toEqual(expected.issues);
            expect(shuffled.manifestCount).toBe(expected.manifestCount);
            expect(shuffled.manifests.map((entry) => entry.id)).toEqual(
              expected.manifests.map((entry) => entry.id),
            );
            const order = expected.issues.map((issue) => [issue.file, issue.line, issue.column]);
            const sorted = [...order].sort(([fileA, lineA, columnA], [fileB, lineB, columnB]) =>
              (fileA as string) < (fileB as string)
                ? -1
                : (fileA as string) > (fileB as string)
                  ? 1
                  : (lineA as number) - (lineB as number) ||
                    (columnA as number) - (columnB as number),
            );
            expect(order).toEqual(sorted);
          },
        ),
        { numRuns: runs.shuffled, ...shrinkLimit },
      );
    },
    timeout,
  );
});

describe('readYamlFile, by property', () => {
  const path = 'any/file.yaml';

  function expectReadable(bytes: Uint8Array): void {
    const result = readYamlFile(path, bytes, defaultYamlLimits);
    expect(['parsed', 'invalid', 'skipped']).toContain(result.status);
    if (result.status === 'parsed') {
      expect(result.source.path).toBe(path);
      // A carriage return alone is a line break, made a line feed in place.
      expect(result.source.text).toBe(textOf(bytes).replace(/\r(?!\n)/g, '\n'));
    }
    if (result.status === 'invalid') {
      expect(result.issues.length).toBeGreaterThan(0);
      expectLocated(result.issues, [{ path, bytes }]);
    }
  }

  const header = 'apiVersion: lowops.manifests.v1\nkind: Project\n';

  it(
    '4a. reads any bytes into a result with located issues, bare or after a BOM or a manifest header',
    () => {
      // Bare random bytes are rarely taken for a manifest; after the header they reach the
      // UTF-8, syntax and schema paths.
      const prefixes = [[], BOM, [...encodeUtf8(header)], [...BOM, ...encodeUtf8(header)]];
      fc.assert(
        fc.property(
          fc.constantFrom(...prefixes),
          fc.uint8Array({ maxLength: 2000 }),
          (prefix, bytes) => {
            expectReadable(concat(new Uint8Array(prefix), bytes));
          },
        ),
        { numRuns: runs.bytes, ...shrinkLimit },
      );
    },
    timeout,
  );

  const yamlish = [
    ...noise,
    'spec:',
    '  ',
    'name: a',
    '[[[[[[[[',
    '{a: [b, {c: d}]}',
    '"unterminated',
    "'it''s'",
    '|-\n  text\n',
    '>\n folded\n',
    '__proto__: 1',
    '? [a]\n: b',
    '!!binary aGk=',
  ];

  it(
    '4b. reads any text after a manifest header into a result with located issues',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'grapheme', maxLength: 300 }),
            fc.string({ unit: 'binary', maxLength: 300 }),
            fc.string({ unit: fc.constantFrom(...yamlish), maxLength: 60 }),
          ),
          fc.boolean(),
          (text, bom) => {
            const bytes = encodeUtf8(header + text);
            expectReadable(bom ? concat(new Uint8Array(BOM), bytes) : bytes);
          },
        ),
        { numRuns: runs.text, ...shrinkLimit },
      );
    },
    timeout,
  );
});
