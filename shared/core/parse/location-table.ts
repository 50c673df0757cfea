/**
 * Where every value of a document read by the fast path is written, as `yaml`'s tree would
 * say it: the source range of each node (start, value end) and of each mapping key, found
 * by the pointer's segments. An end of -1 means the layout around the node (comments,
 * trailing blank lines of a block scalar, `|+`) leaves it unsure: the caller asks the
 * reference tree for that node instead of guessing.
 */
export interface LocatedNode {
  readonly start: number;
  readonly end: number;
  /** The key's range, for the value of a mapping entry. */
  key?: readonly [number, number];
  /** A mapping's entries by key text. */
  readonly entries?: ReadonlyMap<string, LocatedNode>;
  /** A sequence's items. */
  readonly items?: readonly LocatedNode[];
}

interface Frame {
  readonly open: number;
  readonly children: { node: LocatedNode; result: unknown }[];
}

/**
 * js-yaml's listener events for one document, kept as they come (a few array pushes per
 * node) and built into the located tree only when a location is first asked for: most
 * files of a valid repository never are.
 */
export class LocationEvents {
  readonly #text: string;
  /** An open at p is p, a close at p is -1 - p. */
  #positions: number[] | Int32Array = [];
  #kinds: (string | null)[] = [];
  /** The kinds as indexes into KINDS, once packed. */
  #kindCodes: Uint8Array | undefined;
  readonly #results: unknown[] = [];
  #tree: LocatedNode | null | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  /** Called on js-yaml's `open` event. */
  open(position: number): void {
    (this.#positions as number[]).push(position);
  }

  /** Called on js-yaml's `close` event, with the node's kind (null when empty) and value. */
  close(position: number, kind: string | null, result: unknown): void {
    (this.#positions as number[]).push(-1 - position);
    this.#kinds.push(kind);
    this.#results.push(result);
  }

  /**
   * Called once the document is read: the positions and kinds move into typed arrays of
   * their exact length, which is what the events of every file of a repository are kept as.
   */
  pack(): void {
    if (this.#kindCodes !== undefined) return;
    const codes = new Uint8Array(this.#kinds.length);
    for (let i = 0; i < codes.length; i++) {
      const code = KINDS.indexOf(this.#kinds[i] ?? null);
      if (code === -1) return;
      codes[i] = code;
    }
    this.#positions = Int32Array.from(this.#positions);
    this.#kindCodes = codes;
    this.#kinds = [];
  }

  #kindAt(index: number): string | null {
    return this.#kindCodes === undefined
      ? (this.#kinds[index] ?? null)
      : (KINDS[this.#kindCodes[index] ?? 0] ?? null);
  }

  /** The located root, or undefined when the events could not be followed. */
  get tree(): LocatedNode | undefined {
    if (this.#tree === undefined) {
      const recorder = new LocationRecorder(this.#text);
      let closed = 0;
      for (const position of this.#positions) {
        if (position >= 0) recorder.open(position);
        else {
          recorder.close(-1 - position, this.#kindAt(closed), this.#results[closed]);
          closed++;
        }
      }
      this.#tree = recorder.root ?? null;
    }
    return this.#tree ?? undefined;
  }
}

/** The kinds js-yaml gives a node, null for an empty one. */
const KINDS: readonly (string | null)[] = [null, 'scalar', 'sequence', 'mapping'];

/** Thrown when the events do not describe a tree this recorder understands. */
const unreadable = new Error('locations not recorded');

/**
 * Builds the located tree from js-yaml's listener events: `open` at the position where a
 * node's separation starts, `close` after the node with its value and kind. js-yaml opens
 * a block sequence item twice when it first tries it as a mapping key; an empty sequence
 * item (`-` alone) has no event at all, so such a document records nothing.
 */
class LocationRecorder {
  readonly #text: string;
  readonly #frames: Frame[] = [];
  #root: LocatedNode | undefined;
  #failed = false;

  constructor(text: string) {
    this.#text = text;
  }

  /** Called on js-yaml's `open` event. */
  open(position: number): void {
    this.#frames.push({ open: position, children: [] });
  }

  /** Called on js-yaml's `close` event. */
  close(position: number, kind: string | null, result: unknown): void {
    const frame = this.#frames.pop();
    if (frame === undefined || this.#failed) {
      this.#failed = true;
      return;
    }
    let node: LocatedNode;
    try {
      node = this.#nodeOf(frame, position, kind, result);
    } catch {
      this.#failed = true;
      return;
    }
    const parent = this.#frames.at(-1);
    if (parent === undefined) this.#root = node;
    else parent.children.push({ node, result });
  }

  /** The located root, or undefined when the events could not be followed. */
  get root(): LocatedNode | undefined {
    return this.#failed || this.#frames.length > 0 ? undefined : this.#root;
  }

  #nodeOf(frame: Frame, position: number, kind: string | null, result: unknown): LocatedNode {
    const text = this.#text;
    if (kind === null) {
      // An empty value starts and ends where its separation's spaces end, before a comment.
      let at = frame.open;
      while (text.charCodeAt(at) === 0x20) at++;
      if (frame.children.length > 0) throw unreadable;
      return { start: at, end: at };
    }
    // The item js-yaml first read as a possible key: the very value, already located.
    const [attempt, ...more] = frame.children;
    if (attempt !== undefined && more.length === 0 && attempt.result === result) {
      return attempt.node;
    }
    const start = nodeStart(text, frame.open);
    const first = text.charAt(start);
    if (kind === 'scalar') {
      if (attempt !== undefined) throw unreadable;
      if (first === '|' || first === '>')
        return { start, end: blockScalarEnd(text, start, position) };
      const plain = first !== '"' && first !== "'";
      return { start, end: trimEnd(text, start, position, plain) };
    }
    const flow = first === '[' || first === '{';
    const children = frame.children.map((child) => child.node);
    let located: Pick<LocatedNode, 'entries' | 'items'>;
    if (kind === 'sequence' && Array.isArray(result) && children.length === result.length) {
      located = { items: children };
    } else if (kind === 'mapping' && children.length % 2 === 0) {
      const entries = new Map<string, LocatedNode>();
      frame.children.forEach(({ node, result: key }, index) => {
        const value = children[index + 1];
        if (index % 2 === 1 || value === undefined) return;
        value.key = [node.start, node.end];
        entries.set(String(key), value);
      });
      located = { entries };
    } else {
      throw unreadable;
    }
    if (flow) return { start, end: trimEnd(text, start, position, false), ...located };
    const last = children.at(-1);
    if (last === undefined) throw unreadable;
    const end = nodeEnd(text, start, last, position);
    const node = { start, end: end.value, ...located };
    if (end.commentedAfter) commented.add(node);
    return node;
  }
}

/**
 * Collections followed by a comment at their own indentation: outside their value, inside
 * their node's own range, on which a parent that ends with them ends.
 */
const commented = new WeakSet<LocatedNode>();

/** Where the node whose separation (spaces, line breaks, comments) starts at `position` starts. */
function nodeStart(text: string, position: number): number {
  let at = position;
  for (;;) {
    const code = text.charCodeAt(at);
    if (code === 0x20 || code === 0x0a || code === 0x0d) at++;
    else if (code === 0x23) {
      const lineEnd = text.indexOf('\n', at);
      at = lineEnd === -1 ? text.length : lineEnd;
    } else return at;
  }
}

/** `end` without the spaces (and, for a plain scalar, line breaks) js-yaml read past. */
function trimEnd(text: string, start: number, end: number, plain: boolean): number {
  let at = end;
  while (at > start) {
    const code = text.charCodeAt(at - 1);
    if (code !== 0x20 && !(plain && code === 0x0a)) break;
    at--;
  }
  return at;
}

/**
 * A clipped or stripped block scalar ends after the line break of its last line with
 * text. Kept trailing lines (`|+`), an indentation indicator (`|2`), an empty scalar and a
 * `#` anywhere near are unsure.
 */
function blockScalarEnd(text: string, start: number, position: number): number {
  const headerEnd = text.indexOf('\n', start);
  if (headerEnd === -1 || headerEnd >= position) return -1;
  const header = text.slice(start, headerEnd);
  // Kept lines and an explicit indentation end elsewhere; a `#` may be text or a comment.
  if (/[+0-9]/.test(header) || text.slice(start, position).includes('#')) return -1;
  let last = position;
  while (
    last > headerEnd &&
    (text.charCodeAt(last - 1) === 0x20 || text.charCodeAt(last - 1) === 0x0a)
  )
    last--;
  if (last <= headerEnd) return -1;
  const lineEnd = text.indexOf('\n', last);
  return lineEnd === -1 ? text.length : lineEnd + 1;
}

/**
 * Where a block collection's value ends: after its last node, that node's comment on the
 * same line and its line break. Comment lines after it belong to the collection's range
 * unless they are indented less than the collection: those are sure to be outside, the
 * rest unsure. One at the collection's own indentation is outside its value but inside
 * its node: a parent that ends on that node is unsure.
 */
function nodeEnd(
  text: string,
  collectionStart: number,
  last: LocatedNode,
  position: number,
): { readonly value: number; readonly commentedAfter: boolean } {
  const unsure = { value: -1, commentedAfter: false };
  if (last.end < 0 || commented.has(last)) return unsure;
  const after = text.slice(last.end, position);
  // A block node already ends after its line break; an empty value ends where it starts.
  const empty = last.start === last.end;
  // After an empty value, `yaml` counts the comment lines that follow into the collection.
  if (empty && after.includes('#')) return unsure;
  const ended = empty || text.charCodeAt(last.end - 1) === 0x0a;
  const lineBreak = ended ? -1 : after.indexOf('\n');
  if (!ended && lineBreak === -1)
    return after.length === 0 ? { ...unsure, value: last.end } : unsure;
  let commentedAfter = false;
  if (after.includes('#')) {
    const column = collectionStart - (text.lastIndexOf('\n', collectionStart - 1) + 1);
    const comment = /^( *)#/gm;
    comment.lastIndex = lineBreak + 1;
    for (let found = comment.exec(after); found !== null; found = comment.exec(after)) {
      const indentation = found[1]?.length ?? 0;
      if (indentation > column) return unsure;
      commentedAfter ||= indentation === column;
    }
  }
  return { value: ended ? last.end : last.end + lineBreak + 1, commentedAfter };
}
