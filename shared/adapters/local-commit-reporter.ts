import type { CommitReport, CommitReporter } from '../ports/commit-reporter.ts';
import type { RepositoryRef } from '../ports/repository-source.ts';

/**
 * The embedded {@link CommitReporter}: keeps the latest report of each name for each commit,
 * for the command that ran the pipeline to print.
 */
export class LocalCommitReporter implements CommitReporter {
  readonly reports = new Map<string, CommitReport>();

  report(_repository: RepositoryRef, commit: string, report: CommitReport): Promise<void> {
    this.reports.set(`${commit} ${report.name}`, report);
    return Promise.resolve();
  }
}
