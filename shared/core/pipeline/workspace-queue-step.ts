import { FINAL_BUILD_STATES, type BuildState } from '../contracts/build-notification.ts';
import { atOrAfter, leaseExpiry, submitterLease, type LeaseTerms } from './build-leases.ts';
import type { BuildOutcomeDetails } from './build-outcome-details.ts';
import type {
  QueueEffect,
  QueueOutcome,
  QueueRevision,
  QueueState,
  QueueStep,
} from './workspace-queue.ts';
import type {
  BuildDocument,
  BuildDocumentStatus,
  EventFields,
  RevisionPointer,
  RunningBuild,
  WorkspaceDocument,
} from './workspace-documents.ts';

/** Whether two pointers name one revision. */
export function samePointer(a: RevisionPointer, b: RevisionPointer): boolean {
  return a.commit === b.commit && a.sequence === b.sequence;
}

/** Which attempt at its revision a running build is. */
export function attemptOf(running: RunningBuild): number {
  return running.attempt ?? 1;
}

/**
 * The state being changed and the effects gathered, for one event: the transitions of
 * `advanceWorkspaceQueue` read and write the queue through it, and it makes their writes
 * into effects once, in order.
 */
export class Step {
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
    details: BuildOutcomeDetails = {},
    known = false,
  ): QueueOutcome {
    if (!known) {
      const stale = this.staleNotification(revision, attempt);
      if (stale !== undefined) return stale;
      const stored = this.stored(revision.commit);
      // A failure without a sentence of its own still says what ended it.
      const reason =
        details.reason ??
        (status === 'SUCCESS'
          ? null
          : `the build ended ${status}${details.failedStep === undefined ? '' : ` in step ${details.failedStep}`}`);
      this.record(revision, status, reason, attempt, {
        build,
        logUrl: logUrl ?? stored?.logUrl ?? null,
        ...(finishedAt === undefined ? {} : { finishedAt }),
        ...(details.failedStep === undefined ? {} : { failedStep: details.failedStep }),
        ...(details.changes === undefined ? {} : { changes: details.changes }),
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
    backend: Partial<
      Pick<BuildDocument, 'build' | 'logUrl' | 'finishedAt' | 'failedStep' | 'changes'>
    > = {},
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
      ...(backend.failedStep === undefined ? {} : { failedStep: backend.failedStep }),
      ...(backend.changes === undefined ? {} : { changes: backend.changes }),
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
