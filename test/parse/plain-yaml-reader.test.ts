import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readYamlFile, type YamlFileResult } from '../../shared/core/parse/read-yaml-file.ts';
import { readPlainYaml } from '../../shared/core/parse/plain-yaml-reader.ts';
import { locate, toPointer, type SourceDocument } from '../../shared/core/parse/source-document.ts';
import { defaultYamlLimits, type YamlLimits } from '../../shared/core/parse/yaml-limits.ts';
import {
  corpusAvailable,
  corpusDirectory,
  corpusMissingReason,
  examplesDirectory,
} from '../support/corpus.ts';

/**
 * The fast reader against the reference: for every input, the result of readYamlFile with
 * the fast path is the reference's, value for value (Object.is: `-0`, NaN), issue for issue
 * and location for location.
 */
function expectSameAsReference(
  name: string,
  bytes: Uint8Array,
  limits: YamlLimits = defaultYamlLimits,
): YamlFileResult {
  const fast = readYamlFile(name, bytes, limits);
  const reference = readYamlFile(name, bytes, limits, { fast: false });
  expect(fast.status, name).toBe(reference.status);
  if (fast.status === 'invalid' && reference.status === 'invalid') {
    expect(fast.issues, name).toEqual(reference.issues);
  }
  if (fast.status === 'parsed' && reference.status === 'parsed') {
    expect(isDeepStrictEqual(fast.value, reference.value), `value of ${name}`).toBe(true);
    expect(fast.source.text).toBe(reference.source.text);
    for (const pointer of pointersOf(fast.value)) {
      for (const part of ['key', 'value'] as const) {
        expect(locate(fast.source, pointer, part), `${name} ${pointer}`).toEqual(
          locate(reference.source, pointer, part),
        );
      }
    }
  }
  return fast;
}

/**
 * Every pointer into the value, and one past each node (a missing field, an index past the
 * end, a segment under a scalar), which locates the deepest node that exists.
 */
function pointersOf(value: unknown, segments: (string | number)[] = []): string[] {
  const here = toPointer(segments);
  if (Array.isArray(value)) {
    return [
      here,
      toPointer([...segments, value.length]),
      ...value.flatMap((item, index) => pointersOf(item, [...segments, index])),
    ];
  }
  if (value !== null && typeof value === 'object') {
    return [
      here,
      toPointer([...segments, 'no such/field']),
      ...Object.entries(value).flatMap(([key, item]) => pointersOf(item, [...segments, key])),
    ];
  }
  return [here, toPointer([...segments, 0])];
}

/** Pointers to the scalars of the value: the table always knows where they are. */
function scalarPointersOf(value: unknown, segments: (string | number)[] = []): string[] {
  if (value === null || typeof value !== 'object') return [toPointer(segments)];
  return Object.entries(value).flatMap(([key, item]) => scalarPointersOf(item, [...segments, key]));
}

/** The source without its tree: locating in it can only read the fast reader's table. */
function withoutTree(source: SourceDocument): SourceDocument {
  return {
    path: source.path,
    text: source.text,
    lineCounter: source.lineCounter,
    ...(source.locations && { locations: source.locations }),
    get root(): never {
      throw new Error(`${source.path} needed its tree`);
    },
  };
}

function yamlFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('the fast YAML reader, against the reference', () => {
  it('reads the example organization as the reference does, every file on the fast path', () => {
    const files = yamlFiles(examplesDirectory);
    expect(files.length).toBeGreaterThan(10);
    for (const path of files) {
      const bytes = readFileSync(path);
      const name = relative(examplesDirectory, path);
      const fast = expectSameAsReference(name, bytes);
      // What makes it fast: valid manifests are not left to the reference, and their values
      // are located without it (a collection followed by comments may still need it).
      expect(readPlainYaml(bytes.toString('utf8'), defaultYamlLimits), path).toBeDefined();
      if (fast.status !== 'parsed') throw new Error(`${path} did not parse`);
      const reference = readYamlFile(name, bytes, defaultYamlLimits, { fast: false });
      if (reference.status !== 'parsed') throw new Error(`${path} did not parse`);
      for (const pointer of scalarPointersOf(fast.value)) {
        for (const part of ['key', 'value'] as const) {
          expect(locate(withoutTree(fast.source), pointer, part)).toEqual(
            locate(reference.source, pointer, part),
          );
        }
      }
    }
  });

  it.skipIf(!corpusAvailable)(`reads the island-venues corpus as the reference does`, () => {
    for (const path of yamlFiles(corpusDirectory)) {
      expectSameAsReference(relative(corpusDirectory, path), readFileSync(path));
    }
  });
  if (!corpusAvailable) it.skip(corpusMissingReason, () => {});

  it('reads every test fixture, valid and adversarial, as the reference does', () => {
    const files = yamlFiles(fixtures);
    expect(files.length).toBeGreaterThan(50);
    for (const path of files) expectSameAsReference(relative(fixtures, path), readFileSync(path));
  });

  const header = 'apiVersion: lowops.manifests.v1\nkind: Secret\n';
  const awkward: readonly string[] = [
    // Scalars that look like other types, in `yaml`'s core schema and out of it.
    'a: -0\nb: +12\nc: 007\nd: 0o17\ne: 0x1F\nf: 1_000\ng: 0b11\nh: 1e3\ni: .5\nj: 1.\nk: -.inf\nl: .NaN\nm: .nan\n',
    'a: yes\nb: No\nc: on\nd: True\ne: FALSE\nf: tRUE\ng: ~\nh: Null\ni: NULL\nj: nULL\nk:\n',
    'a: 2001-12-14\nb: 12:30:45\nc: 0o8\nd: 0xG\ne: 1e\nf: +.5e-3\ng: "1"\nh: \'true\'\n',
    'a: 123456789012345678901234567890\nb: 1e400\nc: -1e-400\n',
    // Keys: numbers, booleans, null, empty, quoted, duplicated after resolution.
    '1: a\n"1": b\n',
    '1.0: a\n1: b\n',
    'true: a\nnull: b\n',
    '~: a\n',
    '"null": a\n',
    '"": a\n',
    ': a\n',
    '? a\n: b\n',
    '[a]: b\n',
    '{a: b}: c\n',
    '"a b": 1\n\'c: d\': 2\n"#": 3\n',
    'a: 1\na: 2\n',
    '<<: {a: 1}\n',
    '__proto__: {a: 1}\n',
    'constructor: 1\n',
    // Layout around nodes, which decides where a collection's range ends.
    'a:\n  b: 1\n  # c\n\nz: 2\n',
    'a:   # c\n  b: 1\nz: 2\n',
    'a:   # c\nz:\n',
    'a:\n- 1\n- 2 # c\n  # d\nz: 1',
    'a:\n  - 1\n\n\n  - b: 2\n\n    c: 3   \n\nz:',
    'a: "x\n  y"  \nb: plain\n  more # c\n',
    'a: [1,\n  2]  # c\nb: {c: [],\n  d: {}}\n',
    'a: |+\n  x\n\nz: 1\n',
    'a: |-\n  x\n\n  # not a comment\nz: 1\n',
    'a:\n  b: >\n    x\n\n     y\n\n\nz: |\n\n  w',
    'a: |\n\nb: >-\n',
    'a:\n  - - 1\n    - 2\n  -\n    - 3\n',
    '# head\n\na: 1 # tail',
    // Items js-yaml reads twice (first as a possible key), one entry or item inside.
    'a:\n- [x]\n- "q"\n',
    'a:\n- - z\n- []\n',
    'a:\n  - {y: 1}\n',
    // Anchors, aliases, tags, directives, documents.
    'a: &x 1\n',
    'a: &x 1\nb: *x\n',
    'a: ! 1\n',
    'a: !<?> 1\n',
    'a: !!str 1\n',
    'a: !!int "1"\n',
    'a: !!str\n\n    >\n',
    '- !!str\n  >\n',
    'a:\n  !!str\n  >\n',
    'a: x\n  *y\n',
    'a: "0 7 * * 1-5"\nb: x & y ! z * w\n',
    '[a, &x b, *x]\n',
    'a: &x\n\n    >\n',
    '%YAML 1.2\n---\na: 1\n',
    '---\na: 1\n',
    'a: 1\n...\n',
    'a: 1\n---\nb: 2\n',
    // Quotes, escapes, folding.
    'a: "\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\0\\e\\ \\/"\n',
    'a: "\\q"\n',
    "a: 'it''s'\n",
    'a: "one\n  two\n\n  three"\n',
    "a: 'one\n\n   two  \n three'\n",
    'a: plain\n  continued\n\n  after a blank\n',
    'a: b#c\nd: "e"#f\n',
    'a: "e" # f\n',
    'a: "unterminated\n',
    'a: "x" y\n',
    // Block scalars.
    'a: |\n  one\n   two\n\n',
    'a: |-\n  one\n',
    'a: |+\n  one\n\n\n',
    'a: >\n  folded\n  text\n\n  more\n',
    'a: >2-\n   indented\n  two\n',
    'a: |1\n  x\n',
    'a: |\n\n  leading blank\n',
    'a: >\n  one\n    more indented\n  back\n',
    // Flow collections.
    'a: [b, c]\n',
    'a: [b, c]d\n',
    'a: {b: c, }\n',
    'a: [b,,c]\n',
    'a: {b}\n',
    'a: [b: c]\n',
    'a: [b, {c: [d, e]}]\n',
    'a: [\n  b,\n  c\n]\n',
    'a: [\nb]\n',
    'a: {b: c\n',
    'a: ["b", \'c\', d e]\n',
    'a: [b #c\n  ]\n',
    'a: # c\n  "x\ny"\n',
    'a: # c\n  [x,\ny]\n',
    // Block structure.
    'a:\n- b\n- c\n',
    'a:\n  - b\n  -   c\n',
    '- a: b\n  c: d\n- e\n',
    '- a: b: c\n',
    'a: b: c\n',
    'a:\n  b: 1\n c: 2\n',
    'a:\n    b: 1\n  c: 2\n',
    'a :  b\n',
    'a:\n\tb: 1\n',
    'a:\t1\n',
    'a: 1 \t\n',
    'a:\n  - - - b\n',
    '- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - x\n',
    `a: ${'['.repeat(40)}${']'.repeat(40)}\n`,
    `k${'e'.repeat(1100)}: v\n`,
    `a: ${'x'.repeat(1100)}\n`,
    // Unicode, line breaks, encodings.
    'ключ: значение\n"\u{1f600}": "\u00a0"\n',
    'a: 1\r\nb: |\r\n  x\r\n  y\r\n',
    'a: 1\rb: 2\r',
    'a: "x\ry"\n',
    'a: \u0085b\n',
    'a: \u2028b\n',
    'a: \ufeffb\n',
    'a: x\u0000\n',
    'a: "\u007f"\n',
    // Empty block sequence items: js-yaml moves the items after one into its inner sequence.
    'a:\n  - b:\n      -\n  - d\n',
    'a:\n  - b:\n      - #c\n  - d\n',
    'a:\n- b:\n  -   \n- d\n',
    'a:\n  - - -\n  - d\n',
    'a:\n  -\n  - d\n',
    // Block scalars with an explicit indentation, and a blank last line of spaces.
    'a: |1\n  x\n  ',
    'a: >-2\n   x\n  \nb: 1\n',
    'a: |+1 # c\n  x\n\n',
    // Comment lines after an empty last value, which `yaml` counts into the collection.
    'k:\n#',
    'k:\n# c\n',
    'k:\n\n#',
    'k:\n  a:\n#',
    // A block scalar at the end of a file that ends in spaces, without a line break.
    'a: 1\r\nb: |\r\n  x\r\n  y\r\n ',
    'b: >\n  x\n\n ',
    // A plain scalar after a less indented comment line, and a key after it.
    'k:\n#c\n  one\n\na: 1\n',
    'k:\n#a: |+\n  one\n\n\na:   # c\n  b: 1\nz: 2\n',
  ];

  it('reads awkward and adversarial YAML as the reference does', () => {
    for (const text of awkward) {
      expectSameAsReference(JSON.stringify(text), utf8(header + text));
      expectSameAsReference(`bare ${JSON.stringify(text)}`, utf8(text));
    }
  });

  it('declines, and so refuses as the reference does, past each limit', () => {
    const small: YamlLimits = {
      ...defaultYamlLimits,
      maxDepth: 3,
      maxScalarLength: 5,
      maxValues: 200,
    };
    const cases = [
      'a: {b: {c: 1}}\n',
      'a: {b: {c: {d: 1}}}\n',
      'a: [[[1]]]\n',
      'a:\n  b:\n    c:\n      d: 1\n',
      'a: 12345\n',
      'a: 123456\n',
      'a: "\\x41\\x41\\x41\\x41\\x41"\n',
      `a: [${Array.from({ length: 60 }, (_, i) => i).join(', ')}]\n`,
      `a: [${Array.from({ length: 250 }, (_, i) => i).join(', ')}]\n`,
    ];
    const rules = cases.flatMap((text) => {
      const result = expectSameAsReference(JSON.stringify(text), utf8(header + text), small);
      return result.status === 'invalid' ? result.issues.map((issue) => issue.rule) : [];
    });
    expect(new Set(rules)).toEqual(
      new Set(['limits/depth', 'limits/scalar-size', 'limits/values']),
    );
  });

  /** Text that needs quoting, escaping or folding somewhere. */
  const awkwardText = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({
      unit: fc.constantFrom(
        ...Array.from('{}[]:|>"\'#@`,?!%&*-~ \n\\'),
        'yes',
        'null',
        '0o7',
        '0x1f',
        '1e3',
        '.inf',
        '-0',
        '1.',
        '\u00e9',
        '\u{1f600}',
        '\u2028',
        '\u0085',
        '\t',
      ),
      maxLength: 30,
    }),
    fc.constantFrom('', ' ', 'true', 'False', '~', '12', '012', '+1', '1_000', 'a: b', '- a'),
  );
  const awkwardScalar = fc.oneof(
    awkwardText,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
  );
  const awkwardValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      awkwardScalar,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(awkwardText, tie('value'), { maxKeys: 4 }),
    ),
  })).value;
  const style = fc.record({
    defaultStringType: fc.constantFrom(
      'PLAIN',
      'QUOTE_DOUBLE',
      'QUOTE_SINGLE',
      'BLOCK_FOLDED',
      'BLOCK_LITERAL',
    ),
    defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
    collectionStyle: fc.constantFrom('any', 'block', 'flow'),
    lineWidth: fc.constantFrom(0, 20, 80),
    minContentWidth: fc.constantFrom(0, 10),
    indent: fc.constantFrom(2, 4),
    indentSeq: fc.boolean(),
    doubleQuotedAsJSON: fc.boolean(),
  } as const);

  it('reads generated manifests with awkward scalars, keys and styles as the reference does', () => {
    fc.assert(
      fc.property(
        fc.dictionary(awkwardText, awkwardValue, { maxKeys: 6 }),
        style,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(' # note', '\n# comment', '\n\n')), {
          maxLength: 3,
        }),
        (spec, options, comments) => {
          let text = `${header}${stringify({ spec }, options)}`;
          // Comments and blank lines after random line ends, where YAML allows them.
          for (const [at, comment] of comments) {
            const lineEnd = text.indexOf('\n', at % Math.max(1, text.length));
            if (lineEnd > 0) text = `${text.slice(0, lineEnd)}${comment}${text.slice(lineEnd)}`;
          }
          expectSameAsReference(JSON.stringify(text), utf8(text));
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);

  it('reads random YAML-like text as the reference does', () => {
    const fragments = [
      ...awkward,
      ...Array.from('{}[]:|>"\'#@`,?!%&*-\n\t\r '),
      ': ',
      '- ',
      '? ',
      '  ',
      'a',
      'b: c\n',
      '"q"',
      "'s'",
      '|\n  x\n',
      '>-\n  y\n',
      '1',
      '-0',
      '\u{1f600}',
    ];
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...fragments), maxLength: 12 }), (text) => {
        expectSameAsReference(JSON.stringify(text), utf8(header + text));
      }),
      { numRuns: 1000 },
    );
  }, 60_000);
});
