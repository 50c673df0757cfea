import { FINAL_BUILD_STATES, type BuildState } from '../contracts/build-notification.ts';
import {
  atOrAfter,
  backendLease,
  later,
  leaseExpiry,
  submitterLease,
  type LeaseTerms,
} from './build-leases.ts';
import type {
  BuildDocument,
  BuildDocumentStatus,
  EventFields,
  RevisionPointer,
  RunningBuild,
  WorkspaceDocument,
} from './workspace-documents.ts';

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
    if (stored === undefined) step.record(revision, 'superseded', reason);
    if (step.workspace.pending?.sequence === revision.sequence) step.update({ pending: null });
    return { kind: 'superseded', detail: reason };
  }
  const latest = step.workspace.latest;
  if (latest !== undefined && revision.sequence < latest.sequence) {
    const reason = `revision ${latest.sequence} (${latest.commit.slice(0, 7)}) is newer and was built`;
    if (stored === undefined || stored.status === 'queued-behind') {
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
  if (stored !== undefined && stored.status !== 'queued-behind') {
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

function samePointer(a: RevisionPointer, b: RevisionPointer): boolean {
  return a.commit === b.commit && a.sequence === b.sequence;
}

function attemptOf(running: RunningBuild): number {
  return running.attempt ?? 1;
}

/** The state being changed and the effects gathered, for one event. */
class Step {
  workspace: WorkspaceDocument;
  readonly at: string;
  readonly terms: LeaseTerms;
  readonly #builds: Map<string, BuildDocument>;
  readonly #initial: WorkspaceDocument;
  readonly #writes: BuildDocument[] = [];
  readonly #events: QueueEffect[] = [];
  readonly #actions: QueueEffect[] = [];

  constructor(state: QueueState, at: string, terms: LeaseTerms) {
    this.workspace = state.workspace;
    this.#initial = state.workspace;
    this.at = at;
    this.terms = terms;
    this.#builds = new Map(state.builds.map((build) => [build.commit, build]));
  }

  get id(): string {
    return this.workspace.id;
  }

  /** The stored build of the commit, whatever its sequence. */
  stored(commit: string): BuildDocument | undefined {
    return this.#builds.get(commit);
  }

  /** The stored build of this very revision. */
  build(revision: RevisionPointer): BuildDocument | undefined {
    const stored = this.#builds.get(revision.commit);
    return stored?.sequence === revision.sequence ? stored : undefined;
  }

  update(changes: Partial<Omit<WorkspaceDocument, 'id' | 'updatedAt'>>): void {
    this.workspace = { ...this.workspace, ...changes, updatedAt: this.at };
  }

  leaseExpired(): boolean {
    const running = this.workspace.running;
    return (
      running !== null &&
      atOrAfter(this.at, leaseExpiry(running, this.workspace.updatedAt, this.terms))
    );
  }

  /** The running revision, with `apply` from the documents when they keep it. */
  runningRevision(apply: boolean): QueueRevision {
    const running = this.workspace.running as RunningBuild;
    return {
      commit: running.commit,
      sequence: running.sequence,
      apply: running.apply ?? this.stored(running.commit)?.apply ?? apply,
    };
  }

  /** The running build's recorded end, when a notification recorded one. */
  knownOutcome(): BuildDocument | undefined {
    const running = this.workspace.running;
    if (running === null) return undefined;
    const stored = this.build(running);
    return stored !== undefined &&
      (stored.attempt ?? 1) === attemptOf(running) &&
      FINAL_BUILD_STATES.has(stored.status as BuildState)
      ? stored
      : undefined;
  }

  /** Takes the idle workspace for `revision` and starts its build. */
  take(owner: string, revision: QueueRevision, attempt: number): void {
    const pending = this.workspace.pending;
    if (
      pending !== null &&
      pending.sequence <= revision.sequence &&
      !samePointer(pending, revision)
    ) {
      this.record(
        { ...pending, apply: pending.apply ?? revision.apply },
        'superseded',
        `revision ${revision.sequence} is newer`,
      );
    }
    const lease = submitterLease(owner, this.at, this.terms);
    this.update({
      running: {
        commit: revision.commit,
        sequence: revision.sequence,
        build: null,
        apply: revision.apply,
        ...(attempt > 1 ? { attempt } : {}),
        lease,
        startedAt: this.at,
      },
      pending: pending !== null && pending.sequence <= revision.sequence ? null : pending,
      latest: { commit: revision.commit, sequence: revision.sequence },
    });
    this.record(revision, 'requested', 'rendering and starting the build', attempt);
    if (attempt > 1) {
      this.event(`build ${this.id} ${revision.commit} ${revision.sequence}`, attempt, {
        type: 'build-retried',
        commit: revision.commit,
        message: `${this.id} at revision ${revision.sequence} (${revision.commit.slice(0, 7)}) is built again, attempt ${attempt}`,
      });
    }
    this.#actions.push({
      kind: 'start',
      revision,
      attempt,
      resumed: false,
      leaseExpiresAt: lease.expiresAt,
    });
  }

  /** Takes over the running build whose lease expired, and starts it again as resumed. */
  takeOver(owner: string, apply: boolean): QueueOutcome {
    const running = this.workspace.running as RunningBuild;
    const before = running.lease;
    const expiry = leaseExpiry(running, this.workspace.updatedAt, this.terms);
    const lease = submitterLease(owner, this.at, this.terms);
    // A document from before leases was last written when its attempt took the workspace.
    const startedAt = running.startedAt ?? this.#initial.updatedAt;
    this.update({ running: { ...running, lease, startedAt } });
    const revision = this.runningRevision(apply);
    this.event(
      `build ${this.id} ${revision.commit} ${revision.sequence} takeover ${expiry}`,
      attemptOf(running),
      {
        type: 'build-taken-over',
        commit: revision.commit,
        message: `${owner} took ${this.id} over at revision ${revision.sequence} from ${before?.owner ?? 'an owner'} unheard since ${before?.heartbeatAt ?? this.#initial.updatedAt}`,
      },
    );
    this.#actions.push({
      kind: 'start',
      revision,
      attempt: attemptOf(running),
      resumed: true,
      leaseExpiresAt: lease.expiresAt,
    });
    return {
      kind: 'start',
      detail: `taking over revision ${revision.sequence} from ${before?.owner ?? 'an owner'} (lease expired ${expiry})`,
    };
  }

  /** Frees the workspace of a running build whose end its build document records. */
  finishKnown(known: BuildDocument): QueueOutcome {
    const running = this.workspace.running as RunningBuild;
    return this.finish(
      this.runningRevision(known.apply),
      attemptOf(running),
      known.build ?? '',
      known.status as BuildState,
      undefined,
      undefined,
      true,
    );
  }

  /** A notification that is about another build, or one whose end is already recorded. */
  staleNotification(revision: RevisionPointer, attempt: number): QueueOutcome | undefined {
    const stored = this.stored(revision.commit);
    if (stored === undefined) return undefined;
    if (stored.sequence !== revision.sequence) {
      return {
        kind: 'repeated',
        detail: `the build of the commit is now revision ${stored.sequence}'s`,
      };
    }
    if ((stored.attempt ?? 1) !== attempt) {
      return { kind: 'repeated', detail: `attempt ${stored.attempt ?? 1} is the current one` };
    }
    if (FINAL_BUILD_STATES.has(stored.status as BuildState) || stored.status === 'refused') {
      return {
        kind: 'repeated',
        detail: `build ${stored.build ?? ''} already ended ${stored.status}`,
      };
    }
    return undefined;
  }

  /**
   * Records the end of a build: the workspace is free, and a successful apply advances its
   * applied revision, never backwards. `known`: the build document says so already, and the
   * workspace still has to hear it.
   */
  finish(
    revision: QueueRevision,
    attempt: number,
    build: string,
    status: BuildState,
    logUrl?: string,
    finishedAt?: string,
    known = false,
  ): QueueOutcome {
    if (!known) {
      const stale = this.staleNotification(revision, attempt);
      if (stale !== undefined) return stale;
      const stored = this.stored(revision.commit);
      this.record(revision, status, stored?.reason ?? null, attempt, {
        build,
        logUrl: logUrl ?? stored?.logUrl ?? null,
        ...(finishedAt === undefined ? {} : { finishedAt }),
      });
    }
    const { running, lastApplied: applied } = this.workspace;
    const advances =
      status === 'SUCCESS' &&
      revision.apply &&
      (applied === null || revision.sequence > applied.sequence);
    const mine =
      running !== null && samePointer(running, revision) && attemptOf(running) === attempt;
    this.update({
      running: mine ? null : running,
      lastApplied: advances
        ? { commit: revision.commit, sequence: revision.sequence, build }
        : applied,
    });
    this.event(`build ${this.id} ${revision.commit} ${revision.sequence} ${status}`, attempt, {
      type: advances ? 'workspace-applied' : 'build-finished',
      commit: revision.commit,
      message: advances
        ? `${this.id} applied at revision ${revision.sequence} (${revision.commit.slice(0, 7)}) by build ${build}`
        : `build ${build} of ${this.id} at ${revision.commit.slice(0, 7)} ended ${status}`,
    });
    return { kind: 'recorded', detail: `build ${build} ${status}` };
  }

  record(
    revision: QueueRevision,
    status: BuildDocumentStatus,
    reason: string | null,
    attempt = 1,
    backend: Partial<Pick<BuildDocument, 'build' | 'logUrl' | 'finishedAt'>> = {},
  ): void {
    const document: BuildDocument = {
      workspace: this.id,
      commit: revision.commit,
      sequence: revision.sequence,
      apply: revision.apply,
      ...(attempt > 1 ? { attempt } : {}),
      status,
      build: backend.build ?? null,
      logUrl: backend.logUrl ?? null,
      reason,
      ...(backend.finishedAt === undefined ? {} : { finishedAt: backend.finishedAt }),
      updatedAt: this.at,
    };
    this.#builds.set(revision.commit, document);
    const index = this.#writes.findIndex((write) => write.commit === revision.commit);
    if (index >= 0) this.#writes.splice(index, 1);
    this.#writes.push(document);
  }

  /** An audit event; its key is a business key, so a repeated event is written once. */
  event(key: string, attempt: number, event: Omit<EventFields, 'at' | 'workspace'>): void {
    this.#events.push({
      kind: 'event',
      key: attempt > 1 ? `${key} attempt ${attempt}` : key,
      event: { at: this.at, workspace: this.id, ...event },
    });
  }

  publish(revision: QueueRevision): void {
    this.#actions.push({ kind: 'publish', revision });
  }

  result(outcome: QueueOutcome, apply: boolean): QueueStep {
    // Whatever happened, an idle workspace with a revision waiting asks for it: a crash
    // between freeing it and publishing must not leave the revision waiting forever.
    const { running, pending } = this.workspace;
    const starts = this.#actions.some((action) => action.kind === 'start');
    if (running === null && pending !== null && !starts) {
      this.publish({
        commit: pending.commit,
        sequence: pending.sequence,
        apply: pending.apply ?? apply,
      });
    }
    const effects: QueueEffect[] = [
      ...(this.workspace === this.#initial
        ? []
        : [{ kind: 'write-workspace' as const, workspace: this.workspace }]),
      ...this.#writes.map((build) => ({ kind: 'write-build' as const, build })),
      ...this.#events,
      ...this.#actions,
    ];
    return { workspace: this.workspace, effects, outcome };
  }
}
