import type { DriftFinding } from '../core/drift/drift-finding.ts';
import type { RepositoryRef } from './repository-source.ts';

/**
 * Tells people about open drift where they work: one GitHub issue per workspace in
 * production. Quiet by contract: told the same open findings again, it writes nothing.
 */
export interface DriftNotifier {
  /**
   * Brings the notices of the swept workspaces in line with their open findings: a notice
   * for each workspace with unacknowledged findings (made, or edited when its findings
   * changed, or reopened), and the notice of each swept workspace without them closed.
   */
  notify(sweep: DriftNotice): Promise<DriftNotifyOutcome>;
}

/** What one sweep found, as the notifier needs it. */
export interface DriftNotice {
  readonly repository: RepositoryRef;
  /** The commit whose manifests the findings' lines are in, 40 hex. */
  readonly commit: string;
  /** Every open finding of the sweep, acknowledged ones included. */
  readonly findings: readonly DriftFinding[];
  /**
   * The workspaces the sweep read (`null` for findings of no workspace); notices of the
   * others are left as they are. Every notice is in scope when absent: a whole sweep.
   */
  readonly scope?: readonly (string | null)[];
}

/** What the notifier changed, by workspace (`null` for the repository's own findings). */
export interface DriftNotifyOutcome {
  readonly created: readonly (string | null)[];
  readonly edited: readonly (string | null)[];
  readonly reopened: readonly (string | null)[];
  readonly closed: readonly (string | null)[];
}
