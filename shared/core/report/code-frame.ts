/** How {@link codeFrame} lays out its lines. */
export interface CodeFrameOptions {
  /** Lines shown on each side of the issue line; by default 2 before and 1 after. */
  readonly linesAround?: number;
  /** Whether to add ANSI colour; the caller decides, usually from whether stdout is a TTY. */
  readonly color?: boolean;
  /** Longest part of a line shown, in UTF-16 code units; longer lines are cut around the column. */
  readonly maxWidth?: number;
  /**
   * Where each line of the text starts ({@link lineStarts}), for a caller that frames many
   * issues of one file: without it, each frame reads the text from its start.
   */
  readonly lineStarts?: readonly number[];
}

/** Text styles that are ANSI escape sequences when colour is on and nothing otherwise. */
export interface Styles {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly green: (text: string) => string;
  readonly cyan: (text: string) => string;
}

/**
 * Styles for report output. Written by hand rather than with `node:util` so that the core
 * imports no Node module; each style closes only its own attribute, so styles nest.
 */
export function createStyles(color: boolean): Styles {
  const style =
    (open: number, close: number) =>
    (text: string): string =>
      color ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: style(1, 22),
    dim: style(2, 22),
    red: style(31, 39),
    yellow: style(33, 39),
    green: style(32, 39),
    cyan: style(36, 39),
  };
}

/**
 * Replaces control characters other than tab, so that a file cannot move the cursor or
 * recolour the terminal; one code unit for one keeps the columns where they were.
 */
function sanitizeLine(text: string): string {
  return text.replace(/(?!\t)\p{Cc}/gu, '\uFFFD');
}

/** The offset at which each line of `text` starts, the first line's (0) first. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Lines `from` to `to` (1-based, inclusive), scanning no further than needed. */
function sliceLines(
  text: string,
  from: number,
  to: number,
  keep: number,
  starts: readonly number[] | undefined,
): string[] {
  const lines: string[] = [];
  let n = 1;
  let start = 0;
  if (starts !== undefined && from > 1) {
    const known = starts[from - 1];
    if (known === undefined) return lines;
    n = from;
    start = known;
  }
  for (; n <= to; n++) {
    const newline = text.indexOf('\n', start);
    // A final newline ends the last line rather than starting an empty one, unless the
    // issue itself is on that empty line (such as an unexpected end of file).
    if (newline === -1 && start === text.length && start > 0 && n > keep) break;
    const end = newline === -1 ? text.length : newline;
    if (n >= from) lines.push(text.slice(start, end).replace(/\r$/, ''));
    if (newline === -1) break;
    start = newline + 1;
  }
  return lines;
}

/**
 * A few lines of `text` around a 1-based position, Babel style: a gutter of right-aligned
 * line numbers, `>` on the issue line and carets under the range. `endColumn` is exclusive,
 * as in issues; a range that runs onto later lines is underlined to the end of its first
 * line, and there is always at least one caret. Returns `''` when the line does not exist.
 *
 * Columns are UTF-16 code units. Tabs are kept, and the caret line repeats each tab that
 * precedes the column, so the carets line up whatever the terminal's tab width. The result
 * has no trailing newline.
 */
export function codeFrame(
  text: string,
  line: number,
  column: number,
  endLine?: number,
  endColumn?: number,
  options: CodeFrameOptions = {},
): string {
  const above = Math.max(0, options.linesAround ?? 2);
  const below = Math.max(0, options.linesAround ?? 1);
  const maxWidth = Math.max(options.maxWidth ?? 120, 20);
  const s = createStyles(options.color ?? false);
  const first = Math.max(1, line - above);
  const lines = sliceLines(text, first, line + below, line, options.lineStarts);
  const target = lines[line - first];
  if (line < 1 || target === undefined) return '';

  const col = Math.min(Math.max(column, 1), target.length + 1) - 1;
  const sameLine = endLine === undefined || endLine === line;
  const end = sameLine && endColumn !== undefined ? endColumn - 1 : sameLine ? col + 1 : Infinity;
  // Cut every line at the same offsets so that the context stays aligned with the issue line.
  const margin = Math.floor(maxWidth / 3);
  const start = Math.max(0, Math.min(col - margin, target.length - maxWidth));
  const stop = start + maxWidth;
  const width = Math.max(1, Math.min(end, target.length, stop) - col);

  const lastNumber = first + lines.length - 1;
  const digits = String(lastNumber).length;
  const view = (source: string): string => {
    if (source === '') return '';
    const head = start > 0 ? '…' : '';
    const tail = source.length > stop ? '…' : '';
    return sanitizeLine(head + source.slice(start, stop) + tail);
  };
  const out = lines.map((source, index) => {
    const number = first + index;
    const marker = number === line ? s.bold(s.red('>')) : ' ';
    const text = view(source);
    const gutter = s.dim(`${String(number).padStart(digits)} |`);
    return `${marker} ${gutter}${text === '' ? '' : ` ${text}`}`;
  });
  const before = (start > 0 ? ' ' : '') + target.slice(start, col).replace(/[^\t]/g, ' ');
  const carets = s.bold(s.red('^'.repeat(width)));
  out.splice(line - first + 1, 0, `  ${s.dim(`${' '.repeat(digits)} |`)} ${before}${carets}`);
  return out.join('\n');
}
