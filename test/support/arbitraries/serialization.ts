/** Writing manifests as YAML in random styles, and describing the files written. */
import fc from 'fast-check';
import { Document, parse, visit, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { isDeepStrictEqual } from 'node:util';
import type { YamlStyle } from './types.ts';
import { fields } from './values.ts';

/** A style that `yaml` round-trips for every value: no block scalars, quoted when needed. */
const SAFE_STYLE: YamlStyle = { options: { blockQuote: false }, comments: [], lineBreak: '\n' };

const commentText = fc.oneof(
  fc.lorem({ maxCount: 1, mode: 'sentences' }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('apiVersion: lowops.manifests.v1', 'kind: Project', '---', '- item: [1'),
);

/** Random `stringify` options (mostly the defaults), comments and line breaks. */
export const yamlStyleArbitrary: fc.Arbitrary<YamlStyle> = fields(
  {
    options: fc.oneof(
      { weight: 3, arbitrary: fc.constant({}) },
      {
        weight: 2,
        arbitrary: fields({
          indent: fc.constantFrom(2, 4),
          indentSeq: fc.boolean(),
          lineWidth: fc.constantFrom(0, 40, 80, 120),
          defaultStringType: fc.constantFrom(
            'PLAIN' as const,
            'QUOTE_DOUBLE' as const,
            'QUOTE_SINGLE' as const,
            'BLOCK_LITERAL' as const,
            'BLOCK_FOLDED' as const,
          ),
          defaultKeyType: fc.constantFrom(null, 'PLAIN' as const),
          collectionStyle: fc.constantFrom('any' as const, 'block' as const, 'flow' as const),
          blockQuote: fc.constantFrom(true, false, 'literal' as const, 'folded' as const),
          singleQuote: fc.constantFrom(null, true, false),
          flowCollectionPadding: fc.boolean(),
          doubleQuotedAsJSON: fc.boolean(),
        }),
      },
    ),
    header: commentText,
    comments: fc.array(fc.tuple(fc.nat({ max: 200 }), commentText), { maxLength: 3 }),
    lineBreak: fc.oneof(
      { weight: 4, arbitrary: fc.constant('\n' as const) },
      { weight: 1, arbitrary: fc.constant('\r\n' as const) },
    ),
  },
  ['options', 'comments', 'lineBreak'],
);

/**
 * Writes a value as YAML in a style, never with anchors or aliases. `yaml` does not
 * round-trip every value in every style (a whitespace-only line in a block scalar loses
 * its spaces; an empty list under `indentSeq: false` is not YAML), so when the text would
 * not read back as the value, the value is written in a style that always round-trips.
 *
 * `edit` changes the document before it is written, on purpose (an alias, say): the text
 * is then returned as written, without that check.
 */
export function serializeManifest(
  value: unknown,
  style: YamlStyle,
  edit?: (document: Document) => void,
): string {
  for (const attempt of edit === undefined ? [style, SAFE_STYLE] : [style]) {
    let text: string;
    try {
      text = write(value, attempt, edit);
    } catch {
      continue;
    }
    if (edit !== undefined || readsBackAs(text, value)) return text;
  }
  throw new Error(`arbitraries: yaml does not round-trip ${JSON.stringify(value)}`);
}

function write(value: unknown, style: YamlStyle, edit?: (document: Document) => void): string {
  const document = new Document(value, { aliasDuplicateObjects: false });
  if (style.header !== undefined) document.commentBefore = style.header;
  if (style.comments.length > 0) {
    const nodes: (Scalar | YAMLMap | YAMLSeq)[] = [];
    const collect = (_key: unknown, node: Scalar | YAMLMap | YAMLSeq) => {
      nodes.push(node);
    };
    visit(document, { Scalar: collect, Map: collect, Seq: collect });
    for (const [at, text] of style.comments) {
      const node = nodes[at % nodes.length];
      if (node !== undefined) node.commentBefore = text;
    }
  }
  edit?.(document);
  const text = document.toString(style.options);
  return style.lineBreak === '\n' ? text : text.replaceAll('\n', '\r\n');
}

function readsBackAs(text: string, value: unknown): boolean {
  try {
    return isDeepStrictEqual(
      parse(text, { version: '1.2', schema: 'core', merge: false, uniqueKeys: true }),
      value,
    );
  } catch {
    return false;
  }
}

/** The files as a reader would look at them: each path, then its text. */
export function describeFiles(files: readonly { path: string; text: string }[]): string {
  return files.map((file) => `# ${JSON.stringify(file.path)}\n${file.text}`).join('\n');
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a text. */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}
