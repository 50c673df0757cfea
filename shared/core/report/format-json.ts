import { compareIssues } from '../issues/issue.ts';
import type { ValidationReport } from './validation-report.ts';

/**
 * A machine-readable report:
 * `{"manifests": N, "issues": [{"file", "line", "column", "pointer", "rule", "severity", "message"}]}`,
 * with exactly those keys in that order, issues sorted with {@link compareIssues},
 * indented by two spaces and ending with a newline. End positions and related locations
 * are left out so that the shape stays small and stable for scripts; use SARIF for them.
 */
export function formatJson(report: ValidationReport): string {
  const issues = report.issues.toSorted(compareIssues).map((issue) => ({
    file: issue.file,
    line: issue.line,
    column: issue.column,
    pointer: issue.pointer,
    rule: issue.rule,
    severity: issue.severity,
    message: issue.message,
  }));
  return `${JSON.stringify({ manifests: report.manifests, issues }, null, 2)}\n`;
}
