import type { BuildState } from '../core/contracts/build-notification.ts';
import type { LeaseTerms } from '../core/pipeline/build-leases.ts';
import type { RepositoryRef } from './repository-source.ts';

/**
 * Starts the Terraform build of one rendered workspace: Cloud Build in Google Cloud, the local
 * build runner in the embedded default. Builds run asynchronously; their outcome reaches the
 * pipeline on the `cloud-builds` topic in Cloud Build's own notification format.
 */
export interface BuildService {
  /**
   * Starts a build, or returns the build already started for the same repository, workspace,
   * commit and sequence: a retried request must never start a second build. (A forced push
   * back to an older commit is a new revision, with a new sequence, and is built again.)
   */
  submit(request: BuildSubmission): Promise<SubmittedBuild>;
  /**
   * How long a submission and a build may take here, which bounds how long a workspace's
   * lease lasts unheard; absent, the embedded build service's (`DEFAULT_LEASE_TERMS`).
   */
  readonly leaseTerms?: LeaseTerms;
}

/** One workspace at one commit, rendered. */
export interface BuildSubmission {
  readonly repository: RepositoryRef;
  /** The workspace id, such as `organization` or `shipping.production.shipments` (unit, environment, project). */
  readonly workspace: string;
  readonly commit: string;
  /**
   * The commit's position among applied revisions: a larger sequence is newer. A build never
   * applies a sequence at or below the workspace's last applied one.
   */
  readonly sequence: number;
  /** Plan and apply (the default branch), or plan only (other branches). */
  readonly apply: boolean;
  /** The root module, `main.tf.json`, as rendered. */
  readonly rootModule: string;
  /**
   * False when the caller knows no earlier attempt at this request can have reached the
   * backend, which may then start the build without looking for one; a retry, or a caller
   * that cannot tell, leaves it out.
   */
  readonly mayHaveStarted?: boolean;
  /**
   * Which build of the revision: absent or 1 for the first, 2 and on for a retry of one that
   * failed. Part of the idempotency key: a retry starts a new build, a redelivery does not.
   */
  readonly attempt?: number;
  /**
   * A refresh-only build for the drift sweep of this scheduled time: `plan -refresh-only
   * -lock=false` of what `commit` applied, run as the read-only drift identity, never an
   * apply; `apply` must be false. Its notification reports to the sweep, never to the
   * workspace's queue.
   */
  readonly driftSweep?: string;
}

/** A started build. */
export interface SubmittedBuild {
  /** The backend's build id. */
  readonly id: string;
  /** Where to read its logs, when the backend has such a place. */
  readonly logUrl?: string;
  /**
   * How the build ended, when the backend found one started before that has ended: a
   * takeover learns this way the outcome of a build whose notifications never came.
   */
  readonly status?: BuildState;
}
