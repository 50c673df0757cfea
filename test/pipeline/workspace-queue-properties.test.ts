import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FINAL_BUILD_STATES,
  type BuildState,
} from '../../shared/core/contracts/build-notification.ts';
import { expiredLeases, type LeaseTerms } from '../../shared/core/pipeline/build-leases.ts';
import {
  advanceWorkspaceQueue,
  type QueueEvent,
  type QueueRevision,
} from '../../shared/core/pipeline/workspace-queue.ts';
import type {
  BuildDocument,
  WorkspaceDocument,
} from '../../shared/core/pipeline/workspace-documents.ts';

const TERMS: LeaseTerms = {
  submitSeconds: 600,
  queueSeconds: 3600,
  buildSeconds: 3 * 3600,
  marginSeconds: 900,
};

/** What the bus may deliver: build requests and Cloud Build's notifications. */
type Message =
  | { readonly kind: 'request'; readonly revision: QueueRevision; readonly retry: boolean }
  | {
      readonly kind: 'notification';
      readonly revision: QueueRevision;
      readonly attempt: number;
      readonly build: string;
      readonly status: BuildState;
    };

/** A builds stage instance between deciding to start a build and submitting it. */
interface Submitting {
  readonly owner: string;
  readonly revision: QueueRevision;
  readonly attempt: number;
  readonly resumed: boolean;
  readonly leaseExpiresAt: string;
}

/** A build in the simulated backend, idempotent on (commit, sequence, attempt) as Cloud Build is. */
interface BackendBuild {
  readonly id: string;
  readonly revision: QueueRevision;
  readonly attempt: number;
  status: BuildState;
  /** When it was created, and when it began to work: its queue time and timeout run from them. */
  readonly createdAt: number;
  workingAt?: number;
}

type Command =
  /** A new revision; `gone`: it no longer has the workspace. */
  | { readonly kind: 'push'; readonly gone: boolean }
  | { readonly kind: 'deliver'; readonly pick: number; readonly duplicate: boolean }
  | {
      readonly kind: 'submit';
      readonly pick: number;
      readonly outcome: 'ok' | 'died-before' | 'died-after' | 'transient' | 'refused';
    }
  | {
      readonly kind: 'progress';
      readonly pick: number;
      readonly fail: boolean;
      readonly lost: boolean;
    }
  | { readonly kind: 'tick'; readonly minutes: number }
  | { readonly kind: 'sweep' }
  | { readonly kind: 'retry' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('push' as const),
      gone: fc.integer({ min: 0, max: 5 }).map((roll) => roll === 0),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      pick: fc.nat(),
      duplicate: fc.boolean(),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      pick: fc.nat(),
      outcome: fc.constantFrom(
        'ok' as const,
        'ok' as const,
        'ok' as const,
        'died-before' as const,
        'died-after' as const,
        'transient' as const,
        'refused' as const,
      ),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('progress' as const),
      pick: fc.nat(),
      fail: fc.boolean(),
      lost: fc.boolean(),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      minutes: fc.integer({ min: 1, max: 600 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.constant({ kind: 'sweep' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'retry' as const }), weight: 1 },
);

/** One workspace, its documents, the bus, the builds stage instances and the backend. */
class World {
  workspace: WorkspaceDocument = {
    id: 'shop',
    lastApplied: null,
    running: null,
    pending: null,
    updatedAt: new Date(0).toISOString(),
  };
  readonly records = new Map<string, BuildDocument>();
  messages: Message[] = [];
  submitting: Submitting[] = [];
  readonly backend: BackendBuild[] = [];
  /** Every successful apply, in the order the backend made them. */
  readonly applies: QueueRevision[] = [];
  readonly violations: string[] = [];
  pushed = 0;
  readonly gone = new Set<number>();
  #now = Date.UTC(2026, 10, 22, 12, 0, 0);
  #instances = 0;

  get now(): string {
    return new Date(this.#now).toISOString();
  }

  revision(sequence: number): QueueRevision {
    return { commit: sequence.toString(16).padStart(40, '0'), sequence, apply: true };
  }

  run(command: Command): void {
    switch (command.kind) {
      case 'push':
        this.pushed += 1;
        if (command.gone) this.gone.add(this.pushed);
        this.messages.push({ kind: 'request', revision: this.revision(this.pushed), retry: false });
        return;
      case 'deliver': {
        this.deliver(command.pick, command.duplicate);
        return;
      }
      case 'submit': {
        this.submit(command.pick, command.outcome);
        return;
      }
      case 'progress': {
        this.progress(command.pick, command.fail, command.lost);
        return;
      }
      case 'tick': {
        this.tick(command.minutes * 60_000);
        return;
      }
      case 'sweep': {
        this.sweep();
        return;
      }
      case 'retry': {
        const failed = [...this.records.values()].find(
          (record) => record.status === 'FAILURE' || record.status === 'refused',
        );
        if (failed !== undefined) {
          this.messages.push({
            kind: 'request',
            revision: this.revision(failed.sequence),
            retry: true,
          });
        }
        return;
      }
    }
  }

  deliver(pick: number, duplicate: boolean): void {
    if (this.messages.length === 0) return;
    const index = pick % this.messages.length;
    const message = this.messages[index] as Message;
    if (!duplicate) this.messages.splice(index, 1);
    if (message.kind === 'request') {
      const owner = `instance-${++this.#instances}`;
      this.advance(
        {
          kind: message.retry ? 'retry-requested' : 'requested',
          at: this.now,
          owner,
          revision: message.revision,
        },
        owner,
      );
    } else {
      const { kind: _, ...notification } = message;
      this.advance({ kind: 'notified', at: this.now, ...notification }, '');
    }
  }

  submit(pick: number, outcome: Extract<Command, { kind: 'submit' }>['outcome']): void {
    if (this.submitting.length === 0) return;
    const [submission] = this.submitting.splice(pick % this.submitting.length, 1) as [Submitting];
    const { owner, revision, attempt } = submission;
    const redeliver = () => {
      this.messages.push({ kind: 'request', revision, retry: attempt > 1 });
    };
    if (outcome === 'died-before') {
      redeliver();
      return;
    }
    if (Date.parse(this.now) >= Date.parse(submission.leaseExpiresAt)) {
      // The stage's own check: a holder past its lease does not submit.
      this.advance({ kind: 'submit-failed', at: this.now, owner, revision, attempt }, owner);
      redeliver();
      return;
    }
    if (outcome === 'transient') {
      this.advance({ kind: 'submit-failed', at: this.now, owner, revision, attempt }, owner);
      redeliver();
      return;
    }
    if (this.gone.has(revision.sequence)) {
      // Whether a revision has the workspace is the revision's: every submission finds it gone.
      this.advance({ kind: 'gone', at: this.now, revision, attempt }, owner);
      return;
    }
    if (outcome === 'refused') {
      this.advance(
        {
          kind: 'refused',
          at: this.now,
          revision,
          attempt,
          reason: 'refused',
          resumed: submission.resumed,
        },
        owner,
      );
      return;
    }
    const same = (build: BackendBuild) =>
      build.revision.commit === revision.commit &&
      build.revision.sequence === revision.sequence &&
      build.attempt === attempt;
    let build = submission.resumed ? this.backend.find(same) : undefined;
    if (build === undefined) {
      if (this.backend.some(same)) {
        this.violations.push(`a second build of ${revision.sequence} attempt ${attempt}`);
      }
      build = {
        id: `build-${this.backend.length + 1}`,
        revision,
        attempt,
        status: 'QUEUED',
        createdAt: this.#now,
      };
      this.backend.push(build);
      this.notify(build);
    }
    if (outcome === 'died-after') {
      redeliver();
      return;
    }
    const ended = FINAL_BUILD_STATES.has(build.status);
    this.advance(
      {
        kind: 'accepted',
        at: this.now,
        revision,
        attempt,
        build: build.id,
        ...(ended ? { status: build.status } : {}),
      },
      owner,
    );
  }

  progress(pick: number, fail: boolean, lost: boolean): void {
    const active = this.backend.filter((build) => !FINAL_BUILD_STATES.has(build.status));
    const build = active[pick % Math.max(active.length, 1)];
    if (build === undefined) return;
    if (build.status === 'QUEUED') {
      build.status = 'WORKING';
      build.workingAt = this.#now;
    } else {
      build.status = fail ? 'FAILURE' : 'SUCCESS';
      if (build.status === 'SUCCESS' && build.revision.apply) this.applies.push(build.revision);
    }
    if (!lost) this.notify(build);
  }

  /**
   * Time passes, and the backend keeps its limits, which the leases count on: a build that
   * waited its whole queue time expires, one that worked its whole timeout is stopped.
   */
  tick(milliseconds: number): void {
    this.#now += milliseconds;
    for (const build of this.backend) {
      if (build.status === 'QUEUED' && this.#now >= build.createdAt + TERMS.queueSeconds * 1000) {
        build.status = 'EXPIRED';
        this.notify(build);
      }
      const working = build.workingAt ?? Infinity;
      if (build.status === 'WORKING' && this.#now >= working + TERMS.buildSeconds * 1000) {
        build.status = 'TIMEOUT';
        this.notify(build);
      }
    }
  }

  notify(build: BackendBuild): void {
    this.messages.push({
      kind: 'notification',
      revision: build.revision,
      attempt: build.attempt,
      build: build.id,
      status: build.status,
    });
  }

  sweep(): void {
    for (const stalled of expiredLeases([this.workspace], this.now, TERMS)) {
      this.advance({ kind: 'lease-expired', at: this.now }, stalled.owner ?? '');
    }
  }

  /** Runs the queue on the stored documents and performs its effects, as the stages do. */
  advance(event: QueueEvent, owner: string): void {
    const commits = new Set<string>();
    if ('revision' in event) commits.add(event.revision.commit);
    if (this.workspace.running !== null) commits.add(this.workspace.running.commit);
    const builds = [...commits].flatMap((commit) => {
      const record = this.records.get(commit);
      return record === undefined ? [] : [record];
    });
    const step = advanceWorkspaceQueue({ workspace: this.workspace, builds }, event, TERMS);
    for (const effect of step.effects) {
      if (effect.kind === 'write-workspace') this.workspace = effect.workspace;
      if (effect.kind === 'write-build') this.records.set(effect.build.commit, effect.build);
      if (effect.kind === 'start') this.submitting.push({ owner, ...effect });
      if (effect.kind === 'publish') {
        this.messages.push({ kind: 'request', revision: effect.revision, retry: false });
      }
    }
    this.check();
  }

  check(): void {
    const active = this.backend.filter((build) => !FINAL_BUILD_STATES.has(build.status));
    if (active.length > 1) {
      this.violations.push(`builds ${active.map((build) => build.id).join(', ')} run at once`);
    }
  }

  /** Everything delivered once, every build ended, every lease expired, until nothing moves. */
  settle(): void {
    for (let round = 0; round < 50; round++) {
      while (this.messages.length > 0 || this.submitting.length > 0) {
        while (this.messages.length > 0) this.deliver(0, false);
        while (this.submitting.length > 0) this.submit(0, 'ok');
      }
      const active = this.backend.find((build) => !FINAL_BUILD_STATES.has(build.status));
      if (active !== undefined) {
        this.progress(this.backend.indexOf(active) * 0, false, false);
        continue;
      }
      if (this.workspace.running === null && this.workspace.pending === null) return;
      this.tick(24 * 3600_000);
      this.sweep();
    }
  }
}

describe('the workspace build queue, under any delivery', () => {
  it('never applies an older revision after a newer one, nor one build twice, and always settles', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 20, maxLength: 150 }), (commands) => {
        const world = new World();
        for (const item of commands) world.run(item);
        world.settle();

        expect(world.violations).toEqual([]);
        // Builds start in revision order: an older revision never starts after a newer one.
        const started = world.backend.map((build) => build.revision.sequence);
        expect(started).toEqual([...started].sort((a, b) => a - b));
        const sequences = world.applies.map((revision) => revision.sequence);
        // Strictly increasing: never older after newer, never the same revision twice.
        expect(sequences).toEqual([...new Set(sequences)].sort((a, b) => a - b));
        expect(world.workspace.running).toBeNull();
        expect(world.workspace.pending).toBeNull();
        if (world.pushed > 0) {
          const newest = world.records.get(world.revision(world.pushed).commit);
          expect(newest?.status).toSatisfy(
            (status: string) =>
              FINAL_BUILD_STATES.has(status as BuildState) ||
              status === 'refused' ||
              status === 'superseded',
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
