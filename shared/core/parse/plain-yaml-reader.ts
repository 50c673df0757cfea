import { load, Schema, Type, type LoadOptions, type State } from 'js-yaml';
import { isManifestHeader } from '../manifests/kinds.ts';
import { LocationEvents } from './location-table.ts';
import type { YamlLimits } from './yaml-limits.ts';

/** What the fast path read: the document's plain value, and whether it is a manifest. */
export interface PlainYamlDocument {
  readonly value: unknown;
  /** Whether its own apiVersion and kind make it a manifest, if it says. */
  readonly header: boolean | undefined;
  /** What js-yaml reported of each node, from which its location is found when asked. */
  readonly locations: LocationEvents;
}

// The YAML 1.2 core schema exactly as `yaml` resolves plain scalars: the same text must
// give the same value, down to `-0`, `0o17` and `.NaN`. js-yaml keeps one type per tag,
// so each tag tries `yaml`'s patterns for it in `yaml`'s order (they never overlap).
type Resolution = readonly [RegExp, (text: string) => unknown];

/**
 * `starts` holds every character a non-empty text of this tag may start with: js-yaml tries every type on every plain scalar, and most are names that one
 * character rules out before any pattern runs. The resolution found for a text is kept for
 * `construct`, which js-yaml calls next with that same text.
 */
const scalar = (tag: string, starts: string, resolutions: readonly Resolution[]) => {
  let resolvedText: string | undefined;
  let resolved: Resolution | undefined;
  const resolution = (text: string): Resolution | undefined => {
    if (text === resolvedText) return resolved;
    resolvedText = text;
    resolved = undefined;
    if (text === '' || starts.includes(text.charAt(0))) {
      for (const candidate of resolutions) {
        if (candidate[0].test(text)) {
          resolved = candidate;
          break;
        }
      }
    }
    return resolved;
  };
  return new Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    // js-yaml passes the tag only for an explicit one (`!!int "1"`): refused, it throws.
    resolve: (text: unknown, explicitTag?: string) =>
      explicitTag === undefined && typeof text === 'string' && resolution(text) !== undefined,
    construct: (text: string) => resolution(text)?.[1](text),
  });
};

/**
 * Plain scalars only: no explicit type at all, so that every tag (`!!str`, `!foo`) makes
 * js-yaml throw and the file goes to the reference reader, which reports it.
 */
const coreSchema = new Schema({
  implicit: [
    scalar('null', '~Nn', [[/^(?:~|[Nn]ull|NULL)?$/, () => null]]),
    scalar('bool', 'TtFf', [
      [/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (text) => text[0] === 't' || text[0] === 'T'],
    ]),
    scalar('int', '-+0123456789', [
      [/^0o[0-7]+$/, (text) => parseInt(text.substring(2), 8)],
      [/^[-+]?[0-9]+$/, (text) => parseInt(text, 10)],
      [/^0x[0-9a-fA-F]+$/, (text) => parseInt(text.substring(2), 16)],
    ]),
    scalar('float', '-+.0123456789', [
      [
        /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
        (text) =>
          text.slice(-3).toLowerCase() === 'nan'
            ? NaN
            : text.startsWith('-')
              ? Number.NEGATIVE_INFINITY
              : Number.POSITIVE_INFINITY,
      ],
      [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, parseFloat],
      [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, parseFloat],
    ]),
  ],
});

/** What js-yaml 4.3 hands its listener, beyond what its published types say. */
interface ComposerState extends State {
  readonly anchor: string | null;
  readonly tag: string | null;
}

/** Thrown from inside js-yaml to stop at the first construct the fast path leaves alone. */
const declined = new Error('declined by the fast YAML path');

/**
 * Whether the text has a construct that js-yaml reads differently from the reference or
 * that the reference refuses, found before parsing: tabs (indentation rules differ),
 * directives and document markers, flow collections as keys (`[a]: b`), explicit keys
 * (`? a`), tags, anchors and aliases, empty block sequence items, block scalars with an
 * explicit indentation, a last line of spaces, a plain scalar after a less indented
 * comment, and lines past the 1024 characters an implicit
 * key may span. Searched with indexOf where it can be: one regular
 * expression for all of it costs more than the parse.
 */
function hasDeclinedText(text: string): boolean {
  if (
    text.includes('\t') ||
    /^(?:%|---|\.\.\.)/.test(text) ||
    text.includes('\n%') ||
    text.includes('\n---') ||
    text.includes('\n...')
  )
    return true;
  for (const closing of [']', '}']) {
    for (let at = text.indexOf(closing); at !== -1; at = text.indexOf(closing, at + 1)) {
      let next = at + 1;
      while (text.charCodeAt(next) === 0x20) next++;
      if (text.charCodeAt(next) === 0x3a) return true;
    }
  }
  for (let at = text.indexOf('?'); at !== -1; at = text.indexOf('?', at + 1)) {
    if (at + 1 >= text.length || SEPARATORS.has(text.charAt(at + 1))) return true;
  }
  // Tags, anchors and aliases where a node may start: js-yaml loses a tag on its own line
  // before a block scalar. Inside text (`"0 7 * * 1-5"`) they start no node.
  for (const indicator of ['!', '&', '*']) {
    for (let at = text.indexOf(indicator); at !== -1; at = text.indexOf(indicator, at + 1)) {
      let before = at - 1;
      while (text.charCodeAt(before) === 0x20) before--;
      if (before < 0 || NODE_STARTS_AFTER.has(text.charAt(before))) return true;
    }
  }
  // An empty block sequence item (`-` then nothing but a comment): js-yaml lets the items
  // after it join its inner sequence, `- b:\n    -\n- d` reading as `[{b: [null, d]}]`.
  if (EMPTY_ITEM_HINT.test(text) && EMPTY_ITEM.test(text)) return true;
  // A block scalar with an explicit indentation (`|1`, `>-2`): js-yaml keeps the spaces of a
  // blank last line that `yaml` drops, `a: |1\n  x\n  ` reading as " x\n " against " x\n".
  if (INDENTED_BLOCK.test(text)) return true;
  // A last line of spaces with no line break after it: the readers end a node before it
  // differently.
  if (endsWithLineOfSpaces(text)) return true;
  if (hasScalarAfterComment(text)) return true;
  let lineStart = 0;
  for (let end = text.indexOf('\n'); ; end = text.indexOf('\n', lineStart)) {
    if ((end === -1 ? text.length : end) - lineStart > MAX_KEY_LINE) return true;
    if (end === -1) return false;
    lineStart = end + 1;
  }
}

/** What may follow a `?` that is an explicit key indicator rather than text. */
const SEPARATORS = new Set([' ', '\n', '\r', ',', ']', '}']);
const MAX_KEY_LINE = 1024;
const EMPTY_ITEM = /^[ ]*(?:-[ ]+)*-[ ]*(?:#.*)?$/m;
/**
 * What every EMPTY_ITEM match holds, its last `-` with what follows it; starting with a
 * character, it is searched far faster than a pattern anchored at each line start.
 */
const EMPTY_ITEM_HINT = /-[ ]*(?:#|$)/m;
/**
 * A plain scalar on a line after a less indented comment line (`k:\n#c\n  one`): `yaml`
 * refuses a key after it that js-yaml reads. Tried only at the start of comment lines.
 */
const SCALAR_AFTER_COMMENT =
  /^([ ]*)#[^\n]*\n(?:[ ]*\n)*\1[ ]+(?!-[ \n])(?![^\n]*:(?: |$))[^ \n#]/my;
/** What ends a line for `^` and `$` in a multiline pattern. */
const LINE_TERMINATORS = new Set(['\n', '\r', '\u2028', '\u2029']);

/** Whether SCALAR_AFTER_COMMENT matches anywhere: each match starts a comment line. */
function hasScalarAfterComment(text: string): boolean {
  for (let at = text.indexOf('#'); at !== -1; at = text.indexOf('#', at + 1)) {
    let lineStart = at;
    while (text.charCodeAt(lineStart - 1) === 0x20) lineStart--;
    if (lineStart > 0 && !LINE_TERMINATORS.has(text.charAt(lineStart - 1))) continue;
    SCALAR_AFTER_COMMENT.lastIndex = lineStart;
    if (SCALAR_AFTER_COMMENT.test(text)) return true;
  }
  return false;
}

/** Whether the text ends with a line break and then one space or more (`\n[ ]+$`). */
function endsWithLineOfSpaces(text: string): boolean {
  let last = text.length - 1;
  if (text.charCodeAt(last) !== 0x20) return false;
  while (text.charCodeAt(last) === 0x20) last--;
  return text.charCodeAt(last) === 0x0a;
}
const INDENTED_BLOCK = /[|>][-+]?[1-9][-+]?[ ]*(?:#.*)?$/m;
/** What a node may follow, spaces apart: a line start, a value or item indicator. */
const NODE_STARTS_AFTER = new Set(['\n', '\r', '[', '{', ',', ':', '-', '?']);

/**
 * Reads one YAML document into plain data with js-yaml, several times faster than the
 * reference reader (`yaml`'s document model), or declines: undefined means "read it with
 * the reference reader", which alone writes issues. It declines every file the reference
 * would refuse or read differently, so that what it does read is the reference's value:
 * anything js-yaml throws on (syntax errors, duplicate keys, tags, aliases, several
 * documents), anchors and the non-specific tag `!`, what hasDeclinedText finds, texts
 * longer than `maxValues` (the reference counts their values first), and what the
 * reference's walk refuses (depth, long scalars, `<<`, forbidden and `null` keys).
 */
export function readPlainYaml(text: string, limits: YamlLimits): PlainYamlDocument | undefined {
  if (text.length > limits.maxValues || hasDeclinedText(text)) return undefined;
  let value: unknown;
  const opened: number[] = [];
  const recorder = new LocationEvents(text);
  const options: LoadOptions & { readonly maxDepth: number } = {
    schema: coreSchema,
    // One past the deepest collection: a scalar sits one below its collection.
    maxDepth: limits.maxDepth + 1,
    listener(event, composing) {
      const state = composing as ComposerState;
      if (event === 'open') {
        opened.push(state.line, state.position);
        recorder.open(state.position);
        return;
      }
      const position = opened.pop() ?? 0;
      const line = opened.pop() ?? 0;
      if (state.anchor !== null || state.tag === '!') throw declined;
      // A comment must follow a space; js-yaml also takes `"text"#comment`.
      if (text.charCodeAt(state.position) === 0x23) throw declined;
      // The reference holds the lines of a quoted scalar or a flow collection to
      // indentation rules js-yaml does not know; block scalars and collections it reads alike.
      if (state.line !== line && FLOW_STARTS.has(firstCharacterAt(text, position))) throw declined;
      // js-yaml's kind is null for an empty node, whatever its types say.
      recorder.close(state.position, state.kind, state.result);
    },
  };
  try {
    value = load(text, options);
  } catch {
    return undefined;
  }
  if (!withinReferenceRules(value, 1, limits)) return undefined;
  recorder.pack();
  return { value: value ?? null, header: manifestHeaderOf(value), locations: recorder };
}

/** How a quoted scalar or a flow collection starts. */
const FLOW_STARTS = new Set<string | undefined>(['"', "'", '[', '{']);

/** The first character of the node whose separation (spaces, comments) starts at `position`. */
function firstCharacterAt(text: string, position: number): string | undefined {
  const start = /(?:[ \n\r]+|#[^\n]*)*(.)/y;
  start.lastIndex = position;
  return start.exec(text)?.[1];
}

/** Keys the reference refuses (merge, prototype) or reads as null rather than as text. */
const DECLINED_KEYS = new Set(['<<', '__proto__', 'constructor', 'prototype', 'null']);

function withinReferenceRules(value: unknown, depth: number, limits: YamlLimits): boolean {
  if (typeof value === 'string') return value.length <= limits.maxScalarLength;
  if (value === null || typeof value !== 'object') return true;
  if (depth > limits.maxDepth) return false;
  if (Array.isArray(value)) {
    return value.every((item) => withinReferenceRules(item, depth + 1, limits));
  }
  for (const key of Object.keys(value)) {
    if (DECLINED_KEYS.has(key)) return false;
    if (!withinReferenceRules((value as Record<string, unknown>)[key], depth + 1, limits))
      return false;
  }
  return true;
}

/** What the reference reads from the tree's apiVersion and kind, read from the value. */
function manifestHeaderOf(value: unknown): boolean | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const unreadable = Symbol('not a plain value');
  const field = (name: string): unknown => {
    if (!Object.hasOwn(fields, name)) return undefined;
    const found = fields[name];
    return found !== null && typeof found === 'object' ? unreadable : found;
  };
  const apiVersion = field('apiVersion');
  if (typeof apiVersion === 'string' && apiVersion.startsWith('lowops.')) return true;
  const kind = field('kind');
  if (apiVersion === unreadable || kind === unreadable) return undefined;
  return isManifestHeader(apiVersion, kind);
}
