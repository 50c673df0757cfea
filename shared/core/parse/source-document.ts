import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { IssueLocation } from '../issues/issue.ts';
import type { LocatedNode, LocationEvents } from './location-table.ts';

/**
 * A parsed YAML file with its syntax tree, so that any JSON pointer into its value can be
 * traced back to the exact source range it came from.
 */
export interface SourceDocument {
  /** Repository-relative path with `/` separators. */
  readonly path: string;
  readonly text: string;
  readonly root: Node | null;
  readonly lineCounter: LineCounter;
  /** Where each value is written, recorded by the fast reader: locates without the tree. */
  readonly locations?: LocatedNode | undefined;
}

/**
 * The one set of parser options, so that a tree parsed again has the same ranges. Keys
 * are not checked for uniqueness here: the parser compares each key with every earlier
 * key of its mapping, quadratic in a wide mapping; the reader checks them with a set.
 */
export const yamlParseOptions = {
  version: '1.2',
  schema: 'core',
  merge: false,
  uniqueKeys: false,
  strict: true,
  prettyErrors: false,
} as const;

/**
 * A source document that parses its text again the first time its tree is needed. Most
 * files of a valid repository never need it; not keeping 10,000 syntax trees alive
 * spares the garbage collector most of its work.
 */
export function reparsingSourceDocument(path: string, text: string): SourceDocument {
  return new ReparsingSourceDocument(path, text);
}

// Classes rather than object literals with getters: one object per file, its accessors
// shared on the prototype, where a literal makes its closures and accessors for each.
class ReparsingSourceDocument implements SourceDocument {
  readonly path: string;
  readonly text: string;
  #parsed: { readonly root: Node | null; readonly lineCounter: LineCounter } | undefined;

  constructor(path: string, text: string) {
    this.path = path;
    this.text = text;
  }

  get root(): Node | null {
    return this.#tree().root;
  }

  get lineCounter(): LineCounter {
    return this.#tree().lineCounter;
  }

  #tree() {
    if (this.#parsed === undefined) {
      const lineCounter = new LineCounter();
      const root = parseDocument(this.text, { ...yamlParseOptions, lineCounter }).contents;
      this.#parsed = { root, lineCounter };
    }
    return this.#parsed;
  }
}

/**
 * A source document that answers locations from the fast reader's table, built from its
 * events when first asked, and parses its text into a tree only for a node the table is
 * unsure of (see LocatedNode) or a document whose events it could not follow.
 */
export function recordedSourceDocument(
  path: string,
  text: string,
  events: LocationEvents,
): SourceDocument {
  return new RecordedSourceDocument(path, text, events);
}

class RecordedSourceDocument implements SourceDocument {
  readonly path: string;
  readonly text: string;
  readonly #events: LocationEvents;
  #reparsed: SourceDocument | undefined;
  #lineCounter: LineCounter | undefined;

  constructor(path: string, text: string, events: LocationEvents) {
    this.path = path;
    this.text = text;
    this.#events = events;
  }

  get locations(): LocatedNode | undefined {
    return this.#events.tree;
  }

  get root(): Node | null {
    this.#reparsed ??= reparsingSourceDocument(this.path, this.text);
    return this.#reparsed.root;
  }

  get lineCounter(): LineCounter {
    if (this.#lineCounter === undefined) {
      const lineCounter = new LineCounter();
      lineCounter.addNewLine(0);
      for (let at = this.text.indexOf('\n'); at !== -1; at = this.text.indexOf('\n', at + 1))
        lineCounter.addNewLine(at + 1);
      this.#lineCounter = lineCounter;
    }
    return this.#lineCounter;
  }
}

/** Which part of a mapping entry an issue is about: the key (`foo:`) or its value. */
export type LocatedPart = 'key' | 'value';

/** Escapes one segment of a JSON pointer (RFC 6901). */
export function escapePointerSegment(segment: string | number): string {
  const text = String(segment);
  // Most segments need nothing: skip the two replacements for them.
  return text.includes('~') || text.includes('/')
    ? text.replaceAll('~', '~0').replaceAll('/', '~1')
    : text;
}

/** Builds a JSON pointer from its segments. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${escapePointerSegment(segment)}`).join('');
}

function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The location of an offset range of a file, as 1-based lines and columns. */
export function locationOfRange(
  source: Pick<SourceDocument, 'path' | 'lineCounter'>,
  pointer: string,
  start: number,
  end: number,
): IssueLocation {
  const from = source.lineCounter.linePos(start);
  const to = source.lineCounter.linePos(Math.max(start, end));
  return {
    file: source.path,
    pointer,
    line: from.line,
    column: from.col,
    endLine: to.line,
    endColumn: to.col,
  };
}

/**
 * Where the node at `pointer` is written. Missing segments resolve to the deepest node
 * that exists, so an issue about a missing field points at the mapping that lacks it.
 */
export function locate(
  source: SourceDocument,
  pointer: string,
  part: LocatedPart = 'value',
): IssueLocation {
  const recorded = source.locations && locateRecorded(source.locations, pointer, part);
  if (recorded !== undefined) return locationOfRange(source, pointer, recorded[0], recorded[1]);
  let node: unknown = source.root;
  let range: readonly number[] | undefined = source.root?.range ?? undefined;
  for (const segment of splitPointer(pointer)) {
    if (isMap(node)) {
      const pair = pairNamed(node, segment);
      if (pair === undefined) break;
      const keyRange = isScalar(pair.key) ? pair.key.range : undefined;
      const value = pair.value as Node | null;
      range = part === 'key' || value?.range == null ? (keyRange ?? range) : value.range;
      node = value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (item?.range == null) break;
      range = item.range;
      node = item;
    } else {
      break;
    }
  }
  const [start = 0, end = start] = range ?? [];
  return locationOfRange(source, pointer, start, end);
}

/**
 * The range `locate` finds, read from the fast reader's table with the same walk: the
 * deepest node the pointer reaches, its key for `part: 'key'`. Undefined when the table is
 * unsure of that node's end, or when an index into a sequence is not written as the table
 * writes it (`01`): the tree answers those.
 */
function locateRecorded(
  root: LocatedNode,
  pointer: string,
  part: LocatedPart,
): readonly [number, number] | undefined {
  let node = root;
  let range: readonly [number, number] = [root.start, root.end];
  for (const segment of splitPointer(pointer)) {
    const child = node.items ? node.items[Number(segment)] : node.entries?.get(segment);
    if (child === undefined) break;
    range = part === 'key' && child.key !== undefined ? child.key : [child.start, child.end];
    node = child;
  }
  return range[1] < 0 ? undefined : range;
}

/** Mappings wider than this are looked up by an index rather than scanned. */
const SCANNED_PAIRS = 16;
const pairsByName = new WeakMap<YAMLMap, ReadonlyMap<string, Pair>>();

/**
 * The entry of `map` whose key reads as `name`, the first if several do. A mapping of
 * thousands of keys with an issue on each would be scanned once per issue: quadratic in
 * the file; it is indexed once instead, for as long as its tree lives.
 */
function pairNamed(map: YAMLMap, name: string): Pair | undefined {
  const named = (item: Pair) => isScalar(item.key) && String(item.key.value) === name;
  if (map.items.length <= SCANNED_PAIRS) return map.items.find(named);
  let index = pairsByName.get(map);
  if (index === undefined) {
    const pairs = new Map<string, Pair>();
    for (const item of map.items) {
      const key = isScalar(item.key) ? String(item.key.value) : undefined;
      if (key !== undefined && !pairs.has(key)) pairs.set(key, item);
    }
    pairsByName.set(map, pairs);
    index = pairs;
  }
  return index.get(name);
}
