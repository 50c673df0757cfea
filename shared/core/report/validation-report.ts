import type { Issue } from '../issues/issue.ts';

/**
 * The outcome of validating a repository, in the one shape every report formatter reads.
 * Formatters are pure: the caller gathers this, picks a format and writes the string.
 */
export interface ValidationReport {
  /** Manifests that were read, whether or not they had issues. */
  readonly manifests: number;
  /** YAML files that were read. */
  readonly files: number;
  readonly issues: readonly Issue[];
  /**
   * File path → file text, for code frames. A file may be missing (too large, not UTF-8,
   * or simply not kept); its issues are then reported without a frame.
   */
  readonly sources: ReadonlyMap<string, string>;
}

/** Counts for the last line of a report and for the exit status. */
export interface ReportSummary {
  readonly errors: number;
  readonly warnings: number;
  /** Distinct files with at least one issue. */
  readonly filesWithIssues: number;
}

/** Counts the issues of a report by severity, and the files they are in. */
export function summarize(report: Pick<ValidationReport, 'issues'>): ReportSummary {
  let errors = 0;
  let warnings = 0;
  const files = new Set<string>();
  for (const issue of report.issues) {
    if (issue.severity === 'error') errors++;
    else warnings++;
    files.add(issue.file);
  }
  return { errors, warnings, filesWithIssues: files.size };
}
