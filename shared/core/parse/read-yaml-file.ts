import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node,
  type YAMLError,
} from 'yaml';
import { createIssue, type Issue } from '../issues/issue.ts';
import type { RuleId } from '../issues/rules.ts';
import { isManifestHeader, kinds } from '../manifests/kinds.ts';
import {
  escapePointerSegment,
  locationOfRange,
  recordedSourceDocument,
  reparsingSourceDocument,
  yamlParseOptions,
  type SourceDocument,
} from './source-document.ts';
import { normalizeLineBreaks } from './line-breaks.ts';
import { firstControlCharacter } from './control-character.ts';
import { valueOverflow } from './value-overflow.ts';
import { readPlainYaml } from './plain-yaml-reader.ts';
import type { YamlLimits } from './yaml-limits.ts';

/** The outcome of reading one YAML file. */
export type YamlFileResult =
  /** Parsed without a single issue; `value` is plain data (objects, arrays, scalars). */
  | { readonly status: 'parsed'; readonly source: SourceDocument; readonly value: unknown }
  /** Looked like a manifest but could not be read safely. */
  | { readonly status: 'invalid'; readonly issues: readonly Issue[] }
  /** Could not be read, but does not mention apiVersion or kind: not a manifest. */
  | { readonly status: 'skipped' };

/**
 * A result that can cross a thread boundary: plain data only (structured clone). A parsed
 * file travels as its text, and its source document is made again on the other side.
 */
export type PortableYamlFileResult =
  | {
      readonly status: 'parsed';
      readonly path: string;
      readonly text: string;
      readonly value: unknown;
    }
  | { readonly status: 'invalid'; readonly issues: readonly Issue[] }
  | { readonly status: 'skipped' };

/** The plain-data form of a result, to send to another thread. */
export function toPortable(result: YamlFileResult): PortableYamlFileResult {
  return result.status === 'parsed'
    ? { status: 'parsed', path: result.source.path, text: result.source.text, value: result.value }
    : result;
}

/** A result again, from its plain-data form. */
export function fromPortable(result: PortableYamlFileResult): YamlFileResult {
  return result.status === 'parsed'
    ? {
        status: 'parsed',
        source: reparsingSourceDocument(result.path, result.text),
        value: result.value,
      }
    : result;
}

const BOM = [0xef, 0xbb, 0xbf] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

const KIND_LINE = new RegExp(
  `^["']?kind["']?[ \\t]*:[ \\t]*["']?(?:${kinds.join('|')})["']?[ \\t]*(?:#.*)?$`,
  'm',
);
// Any mention of the format's apiVersion: the value may be anchored, aliased or flowed.
const LOWOPS_API_VERSION = /\blowops\.manifests\./;
const ANY_API_VERSION = /^[ \t]*["']?apiVersion["']?[ \t]*:/m;

/**
 * Whether a file that cannot be read safely is held to the manifest rules rather than
 * skipped: it names a `lowops.` apiVersion, or one of the format's kinds and no apiVersion
 * at all (a Kubernetes `kind: Secret` has one). Mirrors how a parsed file is classified.
 */
function looksLikeManifest(text: string): boolean {
  return LOWOPS_API_VERSION.test(text) || (!ANY_API_VERSION.test(text) && KIND_LINE.test(text));
}

/** Keys that would reach an object's prototype in code that copies parsed data. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const yamlErrorRules: Partial<Record<string, RuleId>> = {
  TAB_AS_INDENT: 'yaml/tab-indent',
  MULTIPLE_DOCS: 'yaml/multi-document',
  TAG_RESOLVE_FAILED: 'yaml/tag',
};

/** How to read: `fast: false` reads with the reference reader alone, to compare with. */
export interface ReadYamlOptions {
  readonly fast: boolean;
}

/**
 * Reads one YAML file strictly: UTF-8 without BOM or C0 controls, YAML 1.2 core
 * schema, one document, unique keys, no aliases, merge keys, tags or directives, bounded
 * size, values and depth. Lines end at CR LF, CR or LF, as in YAML 1.2. The result is
 * plain data plus the syntax tree that locates every value in the source. Valid files are
 * read by the fast path (readPlainYaml); whatever it declines, and every file with an
 * issue, by `yaml`'s document model, the reference, whose tree also locates every value.
 */
export function readYamlFile(
  path: string,
  bytes: Uint8Array,
  limits: YamlLimits,
  options: ReadYamlOptions = { fast: true },
): YamlFileResult {
  const at = (
    rule: RuleId,
    source: Pick<SourceDocument, 'path' | 'lineCounter'>,
    start: number,
    end: number,
    message: string,
  ) => createIssue(rule, locationOfRange(source, '', start, end), message);
  const empty = { path, lineCounter: countLines('') };

  if (bytes.length > limits.maxFileBytes) {
    if (!looksLikeManifest(lenientUtf8.decode(bytes.subarray(0, 64 * 1024))))
      return { status: 'skipped' };
    return invalid(
      at(
        'limits/file-size',
        empty,
        0,
        0,
        `expected at most ${limits.maxFileBytes} bytes, found ${bytes.length}`,
      ),
    );
  }

  const issues: Issue[] = [];
  let body = bytes;
  if (BOM.every((byte, index) => bytes[index] === byte)) {
    issues.push(
      at(
        'encoding/bom',
        empty,
        0,
        0,
        'expected UTF-8 without a byte-order mark, found one at the start of the file',
      ),
    );
    body = bytes.subarray(BOM.length);
  }

  let text: string;
  try {
    text = normalizeLineBreaks(utf8.decode(body));
  } catch {
    const lenient = lenientUtf8.decode(body);
    if (!looksLikeManifest(lenient)) return { status: 'skipped' };
    const offset = firstInvalidUtf8(body);
    const before = normalizeLineBreaks(lenientUtf8.decode(body.subarray(0, offset)));
    const byte = body[offset] ?? 0;
    issues.push(
      at(
        'encoding/utf8',
        { path, lineCounter: countLines(before) },
        before.length,
        before.length,
        `expected UTF-8, found the byte 0x${byte.toString(16).padStart(2, '0')}, which is not valid there`,
      ),
    );
    return invalid(...issues);
  }
  const control = firstControlCharacter(text);
  if (control !== undefined) {
    if (!looksLikeManifest(text)) return { status: 'skipped' };
    const { offset, codePoint } = control;
    issues.push(
      at(
        'encoding/control-character',
        { path, lineCounter: countLines(text) },
        offset,
        offset + 1,
        `expected printable characters, found the control character ${codePoint}, which YAML allows nowhere unescaped`,
      ),
    );
    return invalid(...issues);
  }
  const result = tryParse(path, text, limits, options);
  // What the document says it is decides; the text is the fallback when it cannot say.
  if (!(result.header ?? looksLikeManifest(text))) return { status: 'skipped' };
  if (result.status === 'invalid' || issues.length > 0) {
    return invalid(...issues, ...(result.status === 'invalid' ? result.issues : []));
  }
  return result;
}

type ParseResult = Exclude<YamlFileResult, { status: 'skipped' }> & {
  /** Whether the document's own apiVersion and kind make it a manifest, if it has them. */
  readonly header: boolean | undefined;
};

function tryParse(
  path: string,
  text: string,
  limits: YamlLimits,
  options: ReadYamlOptions,
): ParseResult {
  const lineCounter = new LineCounter();
  const source = { path, lineCounter };
  // A ceiling well above the limit: the walker below finds the exact node past the limit,
  // this only keeps pathological input away from the parser.
  const tooDeep = flowDepthOverflow(text, limits.maxDepth * 4);
  if (tooDeep !== undefined) {
    countLinesInto(lineCounter, text);
    return {
      ...invalid(
        createIssue(
          'limits/depth',
          locationOfRange(source, '', tooDeep, tooDeep),
          `expected collections nested at most ${limits.maxDepth} deep, found deeper nesting`,
        ),
      ),
      header: undefined,
    };
  }
  const crowded = valueOverflow(text, limits.maxValues);
  if (crowded !== undefined) {
    countLinesInto(lineCounter, text);
    return {
      ...invalid(
        createIssue(
          'limits/values',
          locationOfRange(source, '', crowded, crowded),
          `expected at most ${limits.maxValues} values (keys, items, scalars) in a file, found more: this is value ${limits.maxValues + 1}`,
        ),
      ),
      header: undefined,
    };
  }
  // Most files take the fast path; it declines whatever the reference below must read.
  const plain = options.fast ? readPlainYaml(text, limits) : undefined;
  if (plain !== undefined) {
    const source = recordedSourceDocument(path, text, plain.locations);
    return { status: 'parsed', source, value: plain.value, header: plain.header };
  }
  const document = parseDocument(text, { ...yamlParseOptions, lineCounter });
  const header = manifestHeader(document.contents);
  const problems: Issue[] = [];
  // Searched once, not per error: a file can miss thousands of commas, each search reads it all.
  let unclosed: { readonly opening: number | undefined } | undefined;
  const report = (error: YAMLError) => {
    // The parser notices an unclosed quote at the end of the file; the quote is the news.
    const opening =
      error.code === 'MISSING_CHAR'
        ? (unclosed ??= { opening: unclosedQuote(text) }).opening
        : undefined;
    const [start, end] = opening === undefined ? error.pos : [opening, opening + 1];
    problems.push(
      createIssue(
        yamlErrorRules[error.code] ?? 'yaml/syntax',
        locationOfRange(source, '', start, end),
        opening === undefined
          ? yamlMessage(error)
          : `expected a closing ${text.charAt(opening)} for the text that starts here, found the end of the file`,
      ),
    );
  };
  document.errors.forEach(report);
  const directives = document.directives;
  const customTags = Object.entries(directives.tags).some(
    ([handle, prefix]) => handle !== '!!' || prefix !== 'tag:yaml.org,2002:',
  );
  if (directives.yaml.explicit || customTags) {
    problems.push(
      createIssue(
        'yaml/directive',
        locationOfRange(source, '', 0, 0),
        'expected no %YAML or %TAG directive, found one: manifests are YAML 1.2 as written',
      ),
    );
  }
  if (problems.length > 0) {
    document.warnings.forEach(report);
    return { ...invalid(...problems), header };
  }
  const walker = new PlainValueBuilder(
    { path, text, root: document.contents, lineCounter },
    limits,
  );
  const value = walker.build(document.contents, '', 1);
  if (walker.issues.length > 0) return { ...invalid(...walker.issues), header };
  return { status: 'parsed', source: reparsingSourceDocument(path, text), value, header };
}

/**
 * Reads apiVersion and kind straight from the syntax tree, which exists even when the
 * file has errors: undefined when the root is not a mapping with plain values for them.
 */
function manifestHeader(root: unknown): boolean | undefined {
  if (!isMap(root)) return undefined;
  const unreadable = Symbol('not a plain value');
  const field = (name: string): unknown => {
    const pair = root.items.find((item) => isScalar(item.key) && item.key.value === name);
    if (pair === undefined) return undefined;
    // `kind:` with no value is a plain null; an alias or a collection says nothing.
    return isScalar(pair.value) ? pair.value.value : pair.value === null ? null : unreadable;
  };
  const apiVersion = field('apiVersion');
  if (typeof apiVersion === 'string' && apiVersion.startsWith('lowops.')) return true;
  const kind = field('kind');
  if (apiVersion === unreadable || kind === unreadable) return undefined;
  return isManifestHeader(apiVersion, kind);
}

function invalid(...issues: Issue[]): { status: 'invalid'; issues: Issue[] } {
  return { status: 'invalid', issues };
}

function yamlMessage(error: YAMLError): string {
  const detail = error.message.replace(/ at line \d+, column \d+.*$/s, '');
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'expected spaces for indentation, found a tab';
    case 'MULTIPLE_DOCS':
      return 'expected one document per file, found another after "---"';
    case 'TAG_RESOLVE_FAILED':
      return `expected no tags, found ${detail.replace(/^Unresolved tag: /, '')}`;
    default:
      return `expected valid YAML: ${detail.charAt(0).toLowerCase()}${detail.slice(1)}`;
  }
}

/**
 * Converts the syntax tree into plain data in one pass, refusing what the tree allows but
 * manifests must not contain. The parser already rejected syntax errors; this catches
 * the constructs that are valid YAML yet unsafe or ambiguous.
 */
class PlainValueBuilder {
  readonly issues: Issue[] = [];
  readonly source: SourceDocument;
  readonly #limits: YamlLimits;

  constructor(source: SourceDocument, limits: YamlLimits) {
    this.source = source;
    this.#limits = limits;
  }

  build(node: unknown, pointer: string, depth: number): unknown {
    if (node === null || node === undefined) return null;
    const yamlNode = node as Node;
    if (isAlias(yamlNode)) {
      return this.#fail(
        'yaml/alias',
        yamlNode,
        pointer,
        `expected a value, found the alias *${yamlNode.source}; write the value out`,
      );
    }
    if (yamlNode.tag !== undefined) {
      const start = tagOffset(this.source.text, yamlNode.range?.[0] ?? 0);
      const tag = /^\S+/.exec(this.source.text.slice(start))?.[0] ?? yamlNode.tag;
      this.issues.push(
        createIssue(
          'yaml/tag',
          locationOfRange(this.source, pointer, start, start + tag.length),
          `expected no tags, found ${tag}; quote the value if it is text`,
        ),
      );
      return null;
    }
    if (isScalar(yamlNode)) {
      const value = yamlNode.value;
      if (typeof value === 'string' && value.length > this.#limits.maxScalarLength) {
        return this.#fail(
          'limits/scalar-size',
          yamlNode,
          pointer,
          `expected a value of at most ${this.#limits.maxScalarLength} characters, found ${value.length}`,
        );
      }
      return value;
    }
    if (depth > this.#limits.maxDepth) {
      return this.#fail(
        'limits/depth',
        yamlNode,
        pointer,
        `expected collections nested at most ${this.#limits.maxDepth} deep, found deeper nesting`,
      );
    }
    if (isSeq(yamlNode)) {
      return yamlNode.items.map((item, index) =>
        this.build(item, `${pointer}/${index}`, depth + 1),
      );
    }
    if (isMap(yamlNode)) {
      const result: Record<string, unknown> = {};
      // Keys compare as the names they become, so `1:` and `"1":` collide as in the data.
      const seen = new Set<string>();
      for (const pair of yamlNode.items) {
        const key = pair.key as Node | null;
        const raw: unknown = isScalar(key) && key.tag === undefined ? key.value : null;
        if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
          this.#fail(
            isAlias(key) ? 'yaml/alias' : 'yaml/key',
            key ?? yamlNode,
            pointer,
            'expected a plain text or number key, found ' + describeKey(key),
          );
          continue;
        }
        const name = String(raw);
        const childPointer = `${pointer}/${escapePointerSegment(name)}`;
        if (seen.has(name)) {
          this.#fail(
            'yaml/duplicate-key',
            key ?? yamlNode,
            childPointer,
            `expected each key once in a mapping, found "${name}" again`,
          );
          continue;
        }
        seen.add(name);
        if (name === '<<') {
          this.#fail(
            'yaml/merge-key',
            key ?? yamlNode,
            childPointer,
            'expected no merge keys, found "<<"; write the merged fields out',
          );
          continue;
        }
        if (FORBIDDEN_KEYS.has(name)) {
          this.#fail(
            'yaml/forbidden-key',
            key ?? yamlNode,
            childPointer,
            `expected an ordinary key, found "${name}", which is refused for safety`,
          );
          continue;
        }
        result[name] = this.build(pair.value, childPointer, depth + 1);
      }
      return result;
    }
    return null;
  }

  #fail(rule: RuleId, node: Node, pointer: string, message: string): null {
    const [start = 0, end = start] = node.range ?? [];
    this.issues.push(createIssue(rule, locationOfRange(this.source, pointer, start, end), message));
    return null;
  }
}

function describeKey(key: Node | null): string {
  if (key === null || (isScalar(key) && key.value === null)) return 'an empty key';
  if (isAlias(key)) return 'an alias';
  if (isMap(key) || isSeq(key)) return 'a collection';
  return 'a tagged key';
}

/**
 * The offset of the first bracket that nests flow collections deeper than `maxDepth`.
 * The parser's flow lexer exhausts memory on tens of thousands of `[`, so this runs
 * first. It skips quoted text and comments and over-counts only brackets inside plain
 * scalars, which are balanced in any realistic file.
 */
function flowDepthOverflow(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x5b || char === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (char === 0x5d || char === 0x7d) {
      depth = Math.max(0, depth - 1);
    } else if (char === 0x22) {
      i = skipQuoted(text, i, '"');
    } else if (char === 0x27) {
      i = skipQuoted(text, i, "'");
    } else if (char === 0x23 && (i === 0 || /\s/.test(text.charAt(i - 1)))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    }
  }
  return undefined;
}

function skipQuoted(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const char = text.charAt(i);
    if (quote === '"' && char === '\\') i++;
    else if (char === quote) {
      if (quote === "'" && text.charAt(i + 1) === "'") i++;
      else return i;
    }
  }
  return text.length;
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  // The streaming decoder accepts exactly the valid prefixes, so bisect on it.
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (isValidPrefix(bytes.subarray(0, middle))) low = middle;
    else high = middle - 1;
  }
  // A prefix may end inside a sequence that the next byte breaks (Latin-1 "é" is 0xe9, the
  // start of a three-byte sequence): the culprit is that sequence's lead byte.
  for (let i = low - 1; i >= Math.max(0, low - 3); i--) {
    const byte = bytes[i] ?? 0;
    if ((byte & 0xc0) === 0xc0) return i;
    if ((byte & 0x80) === 0) break;
  }
  return low;
}

/**
 * Where the tag of a node starts: the tag (and an anchor) stand before the value, on its
 * line or the one above for a block collection (`key: !tag value`).
 */
function tagOffset(text: string, valueStart: number): number {
  let end = valueStart;
  for (;;) {
    let last = end - 1;
    while (last >= 0 && /\s/.test(text.charAt(last))) last--;
    let first = last;
    while (first > 0 && !/\s/.test(text.charAt(first - 1))) first--;
    const token = text.slice(first, last + 1);
    if (token.startsWith('!')) return first;
    if (!token.startsWith('&')) return valueStart;
    end = first;
  }
}

/**
 * The offset of the first quote that opens a scalar and is never closed. Quotes open
 * scalars only after `:`, `-`, `?`, `[`, `{`, `,` or at the start of a line.
 */
function unclosedQuote(text: string): number | undefined {
  const opening = /(?:^|[:?[{,-])[ \t]*(["'])/gm;
  for (let match = opening.exec(text); match !== null; match = opening.exec(text)) {
    const quote = match[1] ?? '"';
    const start = match.index + match[0].length - 1;
    const end = skipQuoted(text, start, quote);
    if (end >= text.length) return start;
    opening.lastIndex = end + 1;
  }
  return undefined;
}

function isValidPrefix(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function countLines(text: string): LineCounter {
  const lineCounter = new LineCounter();
  countLinesInto(lineCounter, text);
  return lineCounter;
}

function countLinesInto(lineCounter: LineCounter, text: string): void {
  lineCounter.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1))
    lineCounter.addNewLine(i + 1);
}
