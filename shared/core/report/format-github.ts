import { compareIssues, type Issue } from '../issues/issue.ts';
import type { ValidationReport } from './validation-report.ts';

/** Escapes the message of a workflow command, as the Actions runner unescapes it. */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** Escapes a property value, which additionally must not end the property list. */
function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/**
 * The position properties. The runner drops columns when the start and end lines differ,
 * and its end column is inclusive (it defaults to the start column), whereas ours is
 * exclusive; an inverted range would be rejected, so the end never precedes the start.
 */
function positionOf(issue: Issue): string[] {
  const endLine = Math.max(issue.line, issue.endLine ?? issue.line);
  if (endLine !== issue.line) return [`line=${issue.line}`, `endLine=${endLine}`];
  const endColumn = Math.max(issue.column, (issue.endColumn ?? issue.column + 1) - 1);
  return [
    `line=${issue.line}`,
    `col=${issue.column}`,
    `endLine=${endLine}`,
    `endColumn=${endColumn}`,
  ];
}

function command(issue: Issue): string {
  const properties = [
    `file=${escapeProperty(issue.file)}`,
    ...positionOf(issue),
    `title=${escapeProperty(issue.rule)}`,
  ];
  // Annotations have no related locations, so they become lines of the message.
  const related = (issue.related ?? []).map(
    (at) => `\n${at.file}:${at.line}:${at.column}: ${at.message}`,
  );
  return `::${issue.severity} ${properties.join(',')}::${escapeData(issue.message + related.join(''))}`;
}

/**
 * GitHub Actions workflow commands that annotate the changed files of a pull request:
 * `::error file=PATH,line=L,col=C,endLine=L,endColumn=EC,title=RULE::MESSAGE` per issue
 * (`::warning` for warnings), sorted with {@link compareIssues}. A multi-line range has no
 * `col`/`endColumn`, since the runner would drop them, and `endColumn` is inclusive.
 *
 * When there are no issues a single `::notice title=infrastream::…` line says so, so that
 * a clean run is visible in the run summary; when there are issues no notice is added,
 * since the annotations and the exit status already say it. GitHub shows at most 10
 * annotations of each severity per step, so print the text report to the log as well.
 * The result ends with a newline.
 */
export function formatGithub(report: ValidationReport): string {
  const lines = report.issues.toSorted(compareIssues).map(command);
  if (lines.length === 0) {
    const manifests = `${report.manifests} manifest${report.manifests === 1 ? '' : 's'}`;
    lines.push(`::notice title=infrastream::${escapeData(`${manifests} checked, no issues`)}`);
  }
  return `${lines.join('\n')}\n`;
}
