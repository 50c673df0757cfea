import { FINAL_BUILD_STATES, type BuildState } from '../contracts/build-notification.ts';
import { atOrAfter, backendLease, later, leaseExpiry, type LeaseTerms } from './build-leases.ts';
import type {
  BuildDocument,
  BuildDocumentStatus,
  EventFields,
  RevisionPointer,
  WorkspaceDocument,
} from './workspace-documents.ts';
import type { BuildOutcomeDetails } from './build-outcome-details.ts';
import { attemptOf, samePointer, Step } from './workspace-queue-step.ts';

/** A revision of a workspace to build. */
export interface QueueRevision extends RevisionPointer {
  /** Plan and apply, or plan only. */
  readonly apply: boolean;
}

/** What the queue decides on: the workspace and the build documents the event concerns. */
export interface QueueState {
  readonly workspace: WorkspaceDocument;
  /**
   * The stored build documents of the event's commit and of the running build's (there is
   * one per workspace and commit); missing ones are simply absent.
   */
  readonly builds: readonly BuildDocument[];
}

/** Something that happened to a workspace's queue; `at` is when, from the caller's clock. */
export type QueueEvent =
  /** A `builds` message asks for the revision; `owner` is the instance handling it. */
  | {
      readonly kind: 'requested';
      readonly at: string;
      readonly owner: string;
      readonly revision: QueueRevision;
    }
  /** Someone asks to build again a revision whose build failed or was refused. */
  | {
      readonly kind: 'retry-requested';
      readonly at: string;
      readonly owner: string;
      readonly revision: QueueRevision;
    }
  /** The backend accepted the build; `status` when it reports one (a build it had already). */
  | {
      readonly kind: 'accepted';
      readonly at: string;
      readonly revision: QueueRevision;
      readonly attempt: number;
      readonly build: string;
      readonly logUrl?: string;
      readonly status?: BuildState;
    }
  /** Submitting failed in a way that may pass: the owner lets the workspace go at once. */
  | {
      readonly kind: 'submit-failed';
      readonly at: string;
      readonly owner: string;
      readonly revision: QueueRevision;
      readonly attempt: number;
    }
  /** The backend refused the build for good. */
  | {
      readonly kind: 'refused';
      readonly at: string;
      readonly revision: QueueRevision;
      readonly attempt: number;
      readonly reason: string;
      /** The submission was a takeover's: an earlier one may have started a build. */
      readonly resumed?: boolean;
    }
  /** The workspace is not in the revision's desired state: there is nothing to build. */
  | {
      readonly kind: 'gone';
      readonly at: string;
      readonly revision: QueueRevision;
      readonly attempt: number;
    }
  /** The backend says where a build is (Cloud Build's notification). */
  | {
      readonly kind: 'notified';
      readonly at: string;
      readonly revision: QueueRevision;
      readonly attempt: number;
      readonly build: string;
      readonly status: BuildState;
      readonly logUrl?: string;
      readonly finishedAt?: string;
      /** The failed step, Terraform's error and the change counts, when the backend says. */
      readonly details?: BuildOutcomeDetails;
    }
  /** A sweep: re-request the running build if its lease expired (or `ownerGone` voids it). */
  | { readonly kind: 'lease-expired'; readonly at: string; readonly ownerGone?: boolean };

/** What the caller must do, in order: write, record events, then start and publish. */
export type QueueEffect =
  | { readonly kind: 'write-workspace'; readonly workspace: WorkspaceDocument }
  | { readonly kind: 'write-build'; readonly build: BuildDocument }
  | { readonly kind: 'event'; readonly key: string; readonly event: EventFields }
  /** Render and submit the revision; `resumed`: an earlier attempt may have reached the backend. */
  | {
      readonly kind: 'start';
      readonly revision: QueueRevision;
      readonly attempt: number;
      readonly resumed: boolean;
      /** Past this, the caller no longer holds the workspace and must not submit. */
      readonly leaseExpiresAt: string;
    }
  /** Publish a `builds` request for the revision: the one waiting, or one to take over. */
  | { readonly kind: 'publish'; readonly revision: QueueRevision };

/** How the event went, for the caller's outcome line. */
export interface QueueOutcome {
  readonly kind:
    'start' | 'running' | 'queued' | 'superseded' | 'declined' | 'recorded' | 'repeated' | 'held';
  readonly detail: string;
}

/** The queue after an event, and what to do about it. */
export interface QueueStep {
  readonly workspace: WorkspaceDocument;
  readonly effects: readonly QueueEffect[];
  readonly outcome: QueueOutcome;
}

/** Builds that ended without applying, which a retry may build again. */
const RETRIABLE: ReadonlySet<BuildDocumentStatus> = new Set([
  'FAILURE',
  'INTERNAL_ERROR',
  'TIMEOUT',
  'CANCELLED',
  'EXPIRED',
  'refused',
]);

/**
 * Whether a build is recorded without having been started: queued behind another revision,
 * or held by its release track's stage. A request may start it.
 */
function isWaiting(status: BuildDocumentStatus): boolean {
  return status === 'queued-behind' || status === 'held';
}

/** Whether a build ended without applying in a way a retry may build again. */
export function isRetriable(status: BuildDocumentStatus): boolean {
  return RETRIABLE.has(status);
}

/**
 * The workspace build queue, as one pure transition: the workspace's state and an event in,
 * the new state and the effects out. Builds serialize per workspace: one runs, the newest
 * request waits as `pending` and supersedes older ones, so an older revision is never
 * started after a newer one, and a running build ends before the next starts. The running
 * build is held under a lease (see `BuildLease`); once it expires, a request for that
 * revision takes the workspace over and starts it again as resumed, which the backend
 * answers with the build it already has, and a build whose outcome is already recorded is
 * finished, not started again. The table in docs/pipeline.md lists every transition.
 */
export function advanceWorkspaceQueue(
  state: QueueState,
  event: QueueEvent,
  terms: LeaseTerms,
): QueueStep {
  const step = new Step(state, event.at, terms);
  const outcome = handle(step, event);
  return step.result(outcome, fallbackApply(state, event));
}

function handle(step: Step, event: QueueEvent): QueueOutcome {
  switch (event.kind) {
    case 'requested':
      return requested(step, event.owner, event.revision);
    case 'retry-requested':
      return retryRequested(step, event.owner, event.revision);
    case 'accepted':
      if (event.status !== undefined && FINAL_BUILD_STATES.has(event.status)) {
        return step.finish(event.revision, event.attempt, event.build, event.status, event.logUrl);
      }
      return accepted(step, event);
    case 'submit-failed':
      return submitFailed(step, event.owner, event.revision, event.attempt);
    case 'refused':
    case 'gone':
      return letGo(step, event);
    case 'notified':
      if (FINAL_BUILD_STATES.has(event.status)) {
        return step.finish(
          event.revision,
          event.attempt,
          event.build,
          event.status,
          event.logUrl,
          event.finishedAt,
          event.details,
        );
      }
      return notified(step, event);
    case 'lease-expired':
      return leaseExpired(step, event.ownerGone === true);
  }
}

function requested(step: Step, owner: string, revision: QueueRevision): QueueOutcome {
  const short = `revision ${revision.sequence} (${revision.commit.slice(0, 7)})`;
  let running = step.workspace.running;
  if (running !== null && step.leaseExpired()) {
    const known = step.knownOutcome();
    if (known !== undefined) {
      step.finishKnown(known);
    } else if (samePointer(running, revision)) {
      return step.takeOver(owner, revision.apply);
    } else {
      // The lease of another revision ran out: its request takes the workspace over, and
      // this one waits behind it as usual.
      step.publish(step.runningRevision(revision.apply));
    }
    running = step.workspace.running;
  }

  const stored = step.build(revision);
  const applied = step.workspace.lastApplied;
  if (applied !== null && revision.apply && revision.sequence <= applied.sequence) {
    const reason = `revision ${applied.sequence} (${applied.commit.slice(0, 7)}) is already applied`;
    if (stored === undefined || stored.status === 'held') {
      step.record(revision, 'superseded', reason);
    }
    if (step.workspace.pending?.sequence === revision.sequence) step.update({ pending: null });
    return { kind: 'superseded', detail: reason };
  }
  const latest = step.workspace.latest;
  if (latest !== undefined && revision.sequence < latest.sequence) {
    const reason = `revision ${latest.sequence} (${latest.commit.slice(0, 7)}) is newer and was built`;
    if (stored === undefined || isWaiting(stored.status)) {
      step.record(revision, 'superseded', reason);
    }
    if (step.workspace.pending?.sequence === revision.sequence) step.update({ pending: null });
    return { kind: 'superseded', detail: reason };
  }
  if (running !== null && samePointer(running, revision)) {
    const lease = running.lease;
    return {
      kind: 'running',
      detail:
        running.build !== null
          ? `build ${running.build} is running`
          : `${lease?.owner ?? 'another instance'} is starting it${lease === undefined ? '' : ` (lease until ${lease.expiresAt})`}`,
    };
  }
  if (stored !== undefined && !isWaiting(stored.status)) {
    return {
      kind: 'running',
      detail: `build of ${revision.commit.slice(0, 7)} is ${stored.status}`,
    };
  }
  const pending = step.workspace.pending;
  if (running !== null) {
    if (revision.sequence < running.sequence) {
      const reason = `revision ${running.sequence} is newer and already building`;
      step.record(revision, 'superseded', reason);
      return { kind: 'superseded', detail: reason };
    }
    if (pending !== null && pending.sequence >= revision.sequence) {
      if (pending.commit === revision.commit) return { kind: 'queued', detail: 'already queued' };
      const reason = `revision ${pending.sequence} is newer and queued`;
      step.record(revision, 'superseded', reason);
      return { kind: 'superseded', detail: reason };
    }
    if (pending !== null) {
      step.record(
        { ...pending, apply: pending.apply ?? revision.apply },
        'superseded',
        `revision ${revision.sequence} is newer`,
      );
    }
    step.update({ pending: { ...revision } });
    step.record(revision, 'queued-behind', `waiting for the build of revision ${running.sequence}`);
    return { kind: 'queued', detail: `queued behind revision ${running.sequence}` };
  }
  if (pending !== null && pending.sequence > revision.sequence) {
    const reason = `revision ${pending.sequence} is newer and queued`;
    step.record(revision, 'superseded', reason);
    return { kind: 'superseded', detail: reason };
  }
  step.take(owner, revision, 1);
  return { kind: 'start', detail: `starting ${short}` };
}

function retryRequested(step: Step, owner: string, revision: QueueRevision): QueueOutcome {
  const stored = step.build(revision);
  if (stored === undefined || !RETRIABLE.has(stored.status)) {
    return {
      kind: 'declined',
      detail: `the build of ${revision.commit.slice(0, 7)} is ${stored?.status ?? 'not recorded'}: only a failed or refused build is built again`,
    };
  }
  const { running, pending, lastApplied, latest } = step.workspace;
  if (running !== null) {
    return {
      kind: 'declined',
      detail: `revision ${running.sequence} is building: retry once it has ended`,
    };
  }
  const newer =
    pending !== null && pending.sequence > revision.sequence
      ? pending
      : latest !== undefined && latest.sequence > revision.sequence
        ? latest
        : revision.apply && lastApplied !== null && lastApplied.sequence >= revision.sequence
          ? lastApplied
          : undefined;
  if (newer !== undefined) {
    return {
      kind: 'superseded',
      detail: `revision ${newer.sequence} is newer: building ${revision.sequence} again would undo it`,
    };
  }
  const attempt = (stored.attempt ?? 1) + 1;
  step.take(owner, revision, attempt);
  return {
    kind: 'start',
    detail: `building revision ${revision.sequence} again (attempt ${attempt})`,
  };
}

function accepted(step: Step, event: Extract<QueueEvent, { kind: 'accepted' }>): QueueOutcome {
  const { revision, attempt, build } = event;
  const stored = step.build(revision);
  if (stored !== undefined && (stored.attempt ?? 1) !== attempt) {
    return { kind: 'repeated', detail: `attempt ${stored.attempt ?? 1} is the current one` };
  }
  const running = step.workspace.running;
  if (
    running !== null &&
    samePointer(running, revision) &&
    attemptOf(running) === attempt &&
    (running.build === null || running.build === build)
  ) {
    // A notification may have renewed the lease already: keep the later expiry.
    const lease = backendLease(build, event.status, event.at, step.terms);
    const kept =
      running.build === build &&
      running.lease !== undefined &&
      atOrAfter(running.lease.expiresAt, lease.expiresAt)
        ? running.lease
        : lease;
    step.update({ running: { ...running, build, lease: kept } });
  }
  // A notification may already have moved the build on: keep what it said.
  if (stored === undefined || stored.status === 'requested' || stored.status === 'queued-behind') {
    step.record(revision, event.status ?? 'QUEUED', null, attempt, {
      build,
      logUrl: event.logUrl ?? null,
    });
  }
  step.event(`build ${step.id} ${revision.commit} ${revision.sequence}`, attempt, {
    type: 'build-requested',
    commit: revision.commit,
    message: `build ${build} of ${step.id} at ${revision.commit.slice(0, 7)} (${revision.apply ? 'plan and apply' : 'plan only'})`,
  });
  return { kind: 'recorded', detail: `build ${build} started` };
}

function submitFailed(
  step: Step,
  owner: string,
  revision: QueueRevision,
  attempt: number,
): QueueOutcome {
  const running = step.workspace.running;
  if (
    running === null ||
    !samePointer(running, revision) ||
    attemptOf(running) !== attempt ||
    running.build !== null ||
    running.lease?.owner !== owner
  ) {
    return { kind: 'repeated', detail: 'the workspace is no longer held for this build' };
  }
  // Let go at once: the retry of the message takes it over, without waiting for the lease.
  step.update({ running: { ...running, lease: { ...running.lease, expiresAt: step.at } } });
  return { kind: 'recorded', detail: 'the workspace is let go for the retry' };
}

function letGo(step: Step, event: Extract<QueueEvent, { kind: 'refused' | 'gone' }>): QueueOutcome {
  const { revision, attempt } = event;
  const stored = step.build(revision);
  if (stored !== undefined && (stored.attempt ?? 1) !== attempt) {
    return { kind: 'repeated', detail: `attempt ${stored.attempt ?? 1} is the current one` };
  }
  const running = step.workspace.running;
  const mine = running !== null && samePointer(running, revision) && attemptOf(running) === attempt;
  if (mine && event.kind === 'refused' && event.resumed === true) {
    // An earlier submission may have started a build the backend now will not show: the
    // workspace waits until any such build must have ended, so that none overlaps the next.
    const { submitSeconds, queueSeconds, buildSeconds, marginSeconds } = step.terms;
    const since = running.startedAt ?? step.workspace.updatedAt;
    const end = later(since, submitSeconds + queueSeconds + buildSeconds + marginSeconds);
    if (!atOrAfter(event.at, end)) {
      step.update({
        running: {
          ...running,
          lease: { owner: 'an earlier submission', heartbeatAt: event.at, expiresAt: end },
        },
      });
      step.event(`build ${step.id} ${revision.commit} ${revision.sequence} refused`, attempt, {
        type: 'build-refused',
        commit: revision.commit,
        message: `the build of ${step.id} at ${revision.commit.slice(0, 7)} was refused: ${event.reason}; the workspace waits until ${end} for a build an earlier submission may have started`,
      });
      return {
        kind: 'recorded',
        detail: `the build was refused, held until ${end}: ${event.reason}`,
      };
    }
  }
  if (mine) step.update({ running: null });
  if (event.kind === 'gone') {
    // Destroying a whole workspace is a decision for a person, not a side effect of a push.
    step.record(revision, 'superseded', 'the workspace is no longer in the desired state', attempt);
    return { kind: 'recorded', detail: `workspace ${step.id} no longer exists` };
  }
  step.record(revision, 'refused', event.reason, attempt);
  step.event(`build ${step.id} ${revision.commit} ${revision.sequence}`, attempt, {
    type: 'build-refused',
    commit: revision.commit,
    message: `the build of ${step.id} at ${revision.commit.slice(0, 7)} was refused: ${event.reason}`,
  });
  return { kind: 'recorded', detail: `the build was refused: ${event.reason}` };
}

function notified(step: Step, event: Extract<QueueEvent, { kind: 'notified' }>): QueueOutcome {
  const { revision, attempt, build, status } = event;
  const stale = step.staleNotification(revision, attempt);
  if (stale !== undefined) return stale;
  const stored = step.stored(revision.commit);
  step.record(revision, status, stored?.reason ?? null, attempt, {
    build,
    logUrl: event.logUrl ?? stored?.logUrl ?? null,
  });
  const running = step.workspace.running;
  if (
    running !== null &&
    samePointer(running, revision) &&
    attemptOf(running) === attempt &&
    (running.build === null || running.build === build)
  ) {
    step.update({
      running: { ...running, build, lease: backendLease(build, status, event.at, step.terms) },
    });
  }
  return { kind: 'recorded', detail: `build ${build} ${status}` };
}

function leaseExpired(step: Step, ownerGone: boolean): QueueOutcome {
  const running = step.workspace.running;
  if (running === null) return { kind: 'repeated', detail: 'no build is running' };
  const expiry = leaseExpiry(running, step.workspace.updatedAt, step.terms);
  if (!step.leaseExpired() && !ownerGone) {
    return {
      kind: 'held',
      detail: `${running.lease?.owner ?? 'its owner'} holds it until ${expiry}`,
    };
  }
  const known = step.knownOutcome();
  if (known !== undefined) {
    return step.finishKnown(known);
  }
  if (!step.leaseExpired()) {
    // Voided early: the request this publishes must find it expired too.
    const lease = running.lease ?? { owner: '', heartbeatAt: step.workspace.updatedAt };
    step.update({ running: { ...running, lease: { ...lease, expiresAt: step.at } } });
  }
  step.publish(step.runningRevision(false));
  return {
    kind: 'recorded',
    detail: `revision ${running.sequence} requested again: ${running.lease?.owner ?? 'its owner'} ${ownerGone ? 'is gone' : `went unheard since ${expiry}`}`,
  };
}

/** The apply setting for a request the event makes, when the documents predate keeping it. */
function fallbackApply(state: QueueState, event: QueueEvent): boolean {
  if ('revision' in event) return event.revision.apply;
  const running = state.workspace.running;
  return state.builds.find((build) => build.commit === running?.commit)?.apply ?? false;
}
