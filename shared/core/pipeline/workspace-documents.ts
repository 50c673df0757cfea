import type { BuildState } from '../contracts/build-notification.ts';
import type { BuildChanges } from './plan-change-counts.ts';

/** A commit at a place in the sequence of recorded revisions. */
export interface RevisionPointer {
  readonly commit: string;
  readonly sequence: number;
}

/**
 * Who holds a workspace's running build, and until when. The instance that took the
 * workspace holds it until the backend accepts the build; from then the backend's build
 * does (`build:<id>`), and its notifications renew the lease. Once `expiresAt` has passed,
 * the next request or a sweep may take the workspace over.
 */
export interface BuildLease {
  readonly owner: string;
  /** When the holder last showed it was alive: it took the workspace, or the build was accepted or notified. */
  readonly heartbeatAt: string;
  readonly expiresAt: string;
}

/** The build running for a workspace. */
export interface RunningBuild extends RevisionPointer {
  /** The backend's build id; null until the backend accepted it. */
  readonly build: string | null;
  /** Plan and apply, or plan only; absent from documents written before leases. */
  readonly apply?: boolean;
  /** Which build of the revision this is: absent for the first, 2 and on for retries. */
  readonly attempt?: number;
  /** Absent from documents written before leases: they expire a term after `updatedAt`. */
  readonly lease?: BuildLease;
  /** When this attempt first took the workspace; a takeover keeps it. */
  readonly startedAt?: string;
}

/** A revision waiting for the running build to end. */
export interface PendingBuild extends RevisionPointer {
  /** Absent from documents written before it was kept. */
  readonly apply?: boolean;
}

/** `repositories/{repo}/workspaces/{workspace}`. */
export interface WorkspaceDocument {
  readonly id: string;
  readonly lastApplied: (RevisionPointer & { readonly build: string }) | null;
  /** The one build running for the workspace. */
  readonly running: RunningBuild | null;
  /** The newest revision waiting for the running build to end; older ones are superseded. */
  readonly pending: PendingBuild | null;
  /**
   * The newest revision a build was started for, whatever became of it: an older one is
   * never built after it. Absent from documents written before it was kept.
   */
  readonly latest?: RevisionPointer;
  readonly updatedAt: string;
}

/**
 * Where a build is. Cloud Build's own states, and the pipeline's before and after them;
 * `refused`: the backend refused to start it for good, and `reason` says why; `held`: its
 * release track's stage does not let it start yet (`reason` says why), and the workspace's
 * queue has not seen it.
 */
export type BuildDocumentStatus =
  'requested' | 'queued-behind' | 'held' | 'superseded' | 'refused' | BuildState;

/** `repositories/{repo}/builds/{workspace@sha}`. */
export interface BuildDocument {
  readonly workspace: string;
  readonly commit: string;
  readonly sequence: number;
  readonly apply: boolean;
  /** Absent for the first build of the revision; 2 and on for retries. */
  readonly attempt?: number;
  readonly status: BuildDocumentStatus;
  readonly build: string | null;
  readonly logUrl: string | null;
  /** Why it is where it is; for a failed build, Terraform's error lines or the backend's sentence. */
  readonly reason: string | null;
  /** The step that failed (`plan`, `apply`), when one did. */
  readonly failedStep?: string;
  /** What its plan changes, when the backend counted it: for a successful apply, what was applied. */
  readonly changes?: BuildChanges;
  /** When the backend says the build ended. */
  readonly finishedAt?: string;
  /** For a `held` build: what holds it, and the stage (`track/position`) that does. */
  readonly hold?: {
    readonly kind: 'earlier-stage' | 'earlier-failed' | 'approval';
    readonly stage: string;
  };
  readonly updatedAt: string;
}

/** An event of the audit trail (`repositories/{repo}/events/{id}`): written once, never changed. */
export interface EventFields {
  readonly at: string;
  readonly type: string;
  readonly commit?: string;
  readonly workspace?: string;
  readonly delivery?: string;
  readonly actor?: string;
  readonly message: string;
}
