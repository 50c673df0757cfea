import { compareIssues, type Issue } from '../issues/issue.ts';
import { codeFrame, createStyles, lineStarts, type Styles } from './code-frame.ts';
import { summarize, type ValidationReport } from './validation-report.ts';

/** How {@link formatText} renders. */
export interface TextFormatOptions {
  /** ANSI colour on or off; the caller decides, usually from whether stdout is a TTY. */
  readonly color: boolean;
}

/**
 * Keeps messages and paths from driving the terminal. Newlines survive, but continuation
 * lines are indented so that no line of the report starts with text from a manifest: CI
 * runners read lines starting with `::` as commands.
 */
function clean(text: string): string {
  return text.replace(/(?![\t\n])\p{Cc}/gu, '\uFFFD').replaceAll('\n', '\n    ');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A file's text, and where its lines start: found once for all the frames of the file. */
interface FramedSource {
  readonly text: string;
  readonly starts: readonly number[];
}

function formatIssue(
  issue: Issue,
  source: FramedSource | undefined,
  s: Styles,
  color: boolean,
): string {
  const place = s.cyan(clean(`${issue.file}:${issue.line}:${issue.column}`));
  const severity = issue.severity === 'error' ? s.red('error') : s.yellow('warning');
  const lines = [`${place}  ${severity}  ${clean(issue.message)}  ${s.dim(`(${issue.rule})`)}`];
  if (source !== undefined) {
    const frame = codeFrame(source.text, issue.line, issue.column, issue.endLine, issue.endColumn, {
      color,
      lineStarts: source.starts,
    });
    if (frame !== '') lines.push(frame);
  }
  for (const related of issue.related ?? []) {
    const at = clean(`${related.file}:${related.line}:${related.column}`);
    lines.push(`  ${s.dim('↳')} ${s.cyan(at)}  ${clean(related.message)}`);
  }
  return lines.join('\n');
}

function summaryLine(report: ValidationReport, s: Styles): string {
  const { errors, warnings, filesWithIssues } = summarize(report);
  if (errors + warnings === 0) {
    return s.green(`✔ ${plural(report.manifests, 'manifest')}, no issues`);
  }
  const counts = [
    errors > 0 ? plural(errors, 'error') : '',
    warnings > 0 ? plural(warnings, 'warning') : '',
  ]
    .filter((part) => part !== '')
    .join(', ');
  const text = `${counts} in ${plural(filesWithIssues, 'file')} (${plural(report.manifests, 'manifest')} checked)`;
  return errors > 0 ? s.bold(s.red(`✖ ${text}`)) : s.bold(s.yellow(`⚠ ${text}`));
}

/**
 * A report for people at a terminal or reading a CI log. Each issue is a line
 * `path:line:col  error  message  (rule)`, then a code frame when the file's text is known,
 * then its related locations; issues are separated by a blank line and sorted with
 * {@link compareIssues}. The last line sums up, such as
 * `✖ 3 errors, 1 warning in 2 files (49 manifests checked)`, `⚠ …` when there are only
 * warnings, or `✔ 49 manifests, no issues`. The result ends with a newline.
 */
export function formatText(report: ValidationReport, options: TextFormatOptions): string {
  const s = createStyles(options.color);
  const framed = new Map<string, FramedSource>();
  const sourceOf = (file: string): FramedSource | undefined => {
    let source = framed.get(file);
    const text = report.sources.get(file);
    if (source === undefined && text !== undefined) {
      source = { text, starts: lineStarts(text) };
      framed.set(file, source);
    }
    return source;
  };
  const blocks = report.issues
    .toSorted(compareIssues)
    .map((issue) => formatIssue(issue, sourceOf(issue.file), s, options.color));
  return `${[...blocks, summaryLine(report, s)].join('\n\n')}\n`;
}
