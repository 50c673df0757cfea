import type { BuildState } from '../contracts/build-notification.ts';
import type { BuildLease, RunningBuild, WorkspaceDocument } from './workspace-documents.ts';

/**
 * How long each holder of a workspace may go unheard before its lease expires, in seconds.
 * The backend says (`BuildService.leaseTerms`); a lease that expires early costs a harmless
 * takeover (the backend hands back the build it already has), one that expires late only
 * delays recovery, so each term is the longest the holder can legitimately take.
 */
export interface LeaseTerms {
  /** From taking the workspace to the backend accepting the build: rendering and submitting. */
  readonly submitSeconds: number;
  /** How long the backend may keep an accepted build waiting before it runs. */
  readonly queueSeconds: number;
  /** How long a build may run: the backend's timeout. */
  readonly buildSeconds: number;
  /** Slack for a notification to arrive after the build changed state (Pub/Sub retries). */
  readonly marginSeconds: number;
}

/**
 * The terms when the backend names none: the embedded build service, which runs Terraform
 * inside `submit`. Its runner may first wait 15 minutes for a terraform a killed run left in
 * the build folder, then its step limits add up to 104 minutes (init 10, validate 2, plan 30,
 * show 2, apply 60): 119 minutes, so a submission may hold the workspace two hours; its
 * outcome is published before `submit` returns, so nothing is left to wait for after it.
 */
export const DEFAULT_LEASE_TERMS: LeaseTerms = {
  submitSeconds: 2 * 3600,
  queueSeconds: 0,
  buildSeconds: 0,
  marginSeconds: 15 * 60,
};

/** The owner of a lease the backend's build holds. */
export function buildOwner(build: string): string {
  return `build:${build}`;
}

/** `at` plus `seconds`, as an ISO 8601 timestamp. */
export function later(at: string, seconds: number): string {
  return new Date(Date.parse(at) + seconds * 1000).toISOString();
}

/** The lease of an instance that takes a workspace at `at` to submit its build. */
export function submitterLease(owner: string, at: string, terms: LeaseTerms): BuildLease {
  return {
    owner,
    heartbeatAt: at,
    expiresAt: later(at, terms.submitSeconds + terms.marginSeconds),
  };
}

/**
 * The lease of a build the backend has, heard of at `at` in `status`: a build that runs may
 * take the backend's timeout, one that waits may first wait the whole queue time.
 */
export function backendLease(
  build: string,
  status: BuildState | undefined,
  at: string,
  terms: LeaseTerms,
): BuildLease {
  const seconds =
    (status === 'WORKING' ? 0 : terms.queueSeconds) + terms.buildSeconds + terms.marginSeconds;
  return { owner: buildOwner(build), heartbeatAt: at, expiresAt: later(at, seconds) };
}

/**
 * When the running build's lease expires. A document written before leases has none: it is
 * taken to have been renewed when the workspace was last written.
 */
export function leaseExpiry(running: RunningBuild, updatedAt: string, terms: LeaseTerms): string {
  if (running.lease !== undefined) return running.lease.expiresAt;
  return running.build === null
    ? submitterLease('', updatedAt, terms).expiresAt
    : backendLease(running.build, undefined, updatedAt, terms).expiresAt;
}

/** Whether `a` is at or after `b` (ISO 8601 timestamps, compared as instants). */
export function atOrAfter(a: string, b: string): boolean {
  return Date.parse(a) >= Date.parse(b);
}

/** A workspace that needs a request to move on, and the revision to request. */
export interface StalledWorkspace {
  readonly workspace: string;
  readonly commit: string;
  readonly sequence: number;
  /** Absent when the document predates it: the caller's own setting applies. */
  readonly apply?: boolean;
  /**
   * `lease-expired`: its running build's holder went unheard past the lease; `owner-gone`: the
   * caller says the holder is gone; `pending`: nothing runs but a revision waits.
   */
  readonly why: 'lease-expired' | 'owner-gone' | 'pending';
  /** Who held the lease, for `lease-expired` and `owner-gone`. */
  readonly owner?: string;
}

/**
 * The workspaces a runner must re-request at `now`, in id order: those whose running build's
 * lease has expired (a submitter that crashed before the backend accepted the build, a build
 * whose notifications never came), and those idle with a revision waiting (a request for it
 * that was lost). Re-requesting one is always safe: the takeover starts the build again as
 * resumed, and the backend hands back a build it already has.
 *
 * `ownerAlive`, when given, voids the leases of owners it says are gone before they expire:
 * a runner that holds the state folder's lock knows no other process is building.
 */
export function expiredLeases(
  workspaces: readonly WorkspaceDocument[],
  now: string,
  terms: LeaseTerms = DEFAULT_LEASE_TERMS,
  options: { readonly ownerAlive?: (owner: string) => boolean } = {},
): StalledWorkspace[] {
  return [...workspaces]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .flatMap((workspace): StalledWorkspace[] => {
      const { running, pending } = workspace;
      if (running === null) {
        return pending === null ? [] : [{ workspace: workspace.id, ...pending, why: 'pending' }];
      }
      const owner = running.lease?.owner ?? '';
      const revision = {
        workspace: workspace.id,
        commit: running.commit,
        sequence: running.sequence,
        ...(running.apply === undefined ? {} : { apply: running.apply }),
        owner,
      };
      if (atOrAfter(now, leaseExpiry(running, workspace.updatedAt, terms))) {
        return [{ ...revision, why: 'lease-expired' }];
      }
      if (options.ownerAlive !== undefined && !options.ownerAlive(owner)) {
        return [{ ...revision, why: 'owner-gone' }];
      }
      return [];
    });
}
