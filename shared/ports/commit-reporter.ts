import type { RepositoryRef } from './repository-source.ts';

/**
 * Shows a commit's result where its author looks: a GitHub check run with annotations on the
 * manifests in production, the terminal in the embedded default.
 */
export interface CommitReporter {
  /**
   * Publishes the report for `commit`, replacing an earlier report of the same name for the
   * same commit (a redelivered message must not add a second check run).
   */
  report(repository: RepositoryRef, commit: string, report: CommitReport): Promise<void>;
}

/** One commit's result. */
export interface CommitReport {
  /** The check's name, such as `infrastream/validate`. */
  readonly name: string;
  /** Absent: `completed`. A check still under way has no conclusion yet, whatever this says. */
  readonly status?: 'queued' | 'in_progress' | 'completed';
  /** GitHub's check conclusions; `action_required` waits for someone to act (consent). */
  readonly conclusion: 'success' | 'failure' | 'neutral' | 'action_required';
  /** Where the check's details are, such as the log of a failed build; `https` only. */
  readonly detailsUrl?: string;
  /** One line. */
  readonly title: string;
  /** Markdown: the plan or the list of issues. Adapters shorten it to what the backend takes. */
  readonly summary: string;
  /** Every issue with a location; adapters send them in batches the backend accepts. */
  readonly annotations: readonly Annotation[];
  /**
   * Buttons on the check (GitHub's requested actions: a label of 20 characters, a
   * description of 40, an identifier of 20), whose press GitHub sends as `check_run`
   * `requested_action` with who pressed it. Absent: none, and an edit removes earlier ones.
   */
  readonly actions?: readonly {
    readonly label: string;
    readonly description: string;
    readonly identifier: string;
  }[];
}

/** An issue at a place in a file. */
export interface Annotation {
  readonly path: string;
  /** 1-based. */
  readonly line: number;
  readonly column?: number;
  readonly level: 'failure' | 'warning' | 'notice';
  readonly title: string;
  readonly message: string;
}
