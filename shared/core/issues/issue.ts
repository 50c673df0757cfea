import { rules, type RuleId } from './rules.ts';

/** How much an issue matters: errors stop the pipeline, warnings are shown. */
export type Severity = 'error' | 'warning';

/** A place in a file: 1-based line and column, like every editor. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** A place in another file that an issue refers to, such as the first of two duplicates. */
export interface RelatedLocation extends SourcePosition {
  readonly file: string;
  readonly message: string;
}

/**
 * One problem found in a repository. Issues are data, never exceptions: every check
 * returns all the issues it finds, and the caller decides what to do with them.
 */
export interface Issue extends SourcePosition {
  /** Repository-relative path with `/` separators. */
  readonly file: string;
  readonly endLine?: number;
  readonly endColumn?: number;
  /** RFC 6901 pointer to the offending node, `""` for the whole document. */
  readonly pointer: string;
  /** Stable identifier of the rule, such as `schema/unknown-field`. */
  readonly rule: RuleId;
  readonly severity: Severity;
  /** What was expected and what was found. */
  readonly message: string;
  readonly related?: readonly RelatedLocation[];
}

/** Where an issue is, before the rule gives it a severity. */
export interface IssueLocation extends SourcePosition {
  readonly file: string;
  readonly pointer: string;
  readonly endLine?: number;
  readonly endColumn?: number;
}

/** Builds an issue with the severity its rule declares. */
export function createIssue(
  rule: RuleId,
  location: IssueLocation,
  message: string,
  related?: readonly RelatedLocation[],
): Issue {
  const issue: Issue = { ...location, rule, severity: rules[rule].severity, message };
  return related === undefined ? issue : { ...issue, related };
}

/** Orders issues by file, then line, then column, then rule, so reports are stable. */
export function compareIssues(a: Issue, b: Issue): number {
  return (
    compareStrings(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareStrings(a.rule, b.rule) ||
    compareStrings(a.message, b.message)
  );
}

/** Code-unit order, which for the ASCII of paths and names is byte order. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether any issue stops the pipeline. */
export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}
