import { describe, expect, it } from 'vitest';
import type { LeaseTerms } from '../../shared/core/pipeline/build-leases.ts';
import {
  advanceWorkspaceQueue,
  type QueueEffect,
  type QueueEvent,
  type QueueOutcome,
  type QueueRevision,
  type QueueState,
} from '../../shared/core/pipeline/workspace-queue.ts';
import type {
  BuildDocument,
  BuildDocumentStatus,
  RunningBuild,
  WorkspaceDocument,
} from '../../shared/core/pipeline/workspace-documents.ts';

/** Cloud Build's terms at their defaults: 25 minutes to submit, 4h15 queued, 3h15 working. */
const TERMS: LeaseTerms = {
  submitSeconds: 600,
  queueSeconds: 3600,
  buildSeconds: 3 * 3600,
  marginSeconds: 900,
};

const A: QueueRevision = { commit: 'a'.repeat(40), sequence: 1, apply: true };
const B: QueueRevision = { commit: 'b'.repeat(40), sequence: 2, apply: true };
const C: QueueRevision = { commit: 'c'.repeat(40), sequence: 3, apply: true };

const at = (time: string) => `2026-11-22T${time}:00.000Z`;
const NOW = at('12:00');

function idle(changes: Partial<WorkspaceDocument> = {}): WorkspaceDocument {
  return {
    id: 'shop',
    lastApplied: null,
    running: null,
    pending: null,
    updatedAt: at('11:50'),
    ...changes,
  };
}

/** `revision` running, held by `owner` until `until`. */
function runs(
  revision: QueueRevision,
  {
    build = null,
    owner,
    until,
    attempt,
  }: {
    build?: string | null;
    owner?: string;
    until: string;
    attempt?: number;
  },
): RunningBuild {
  return {
    commit: revision.commit,
    sequence: revision.sequence,
    build,
    apply: revision.apply,
    ...(attempt === undefined ? {} : { attempt }),
    lease: {
      owner: owner ?? (build === null ? 'instance-1' : `build:${build}`),
      heartbeatAt: at('11:50'),
      expiresAt: until,
    },
  };
}

function record(
  revision: QueueRevision,
  status: BuildDocumentStatus,
  changes: Partial<BuildDocument> = {},
): BuildDocument {
  return {
    workspace: 'shop',
    commit: revision.commit,
    sequence: revision.sequence,
    apply: revision.apply,
    status,
    build: null,
    logUrl: null,
    reason: null,
    updatedAt: at('11:50'),
    ...changes,
  };
}

const applied = (revision: QueueRevision, build = 'build-0') => ({
  commit: revision.commit,
  sequence: revision.sequence,
  build,
});

const requested = (revision: QueueRevision, owner = 'instance-2'): QueueEvent => ({
  kind: 'requested',
  at: NOW,
  owner,
  revision,
});
const notified = (
  revision: QueueRevision,
  status: Extract<QueueEvent, { kind: 'notified' }>['status'],
  attempt = 1,
): QueueEvent => ({ kind: 'notified', at: NOW, revision, attempt, build: 'build-1', status });

/** A revision as the table writes it: its commit's letter and its sequence, `A1`. */
function name(revision: { commit: string; sequence: number }): string {
  return `${revision.commit.charAt(0).toUpperCase()}${revision.sequence}`;
}

function time(iso: string): string {
  return iso.startsWith('2026-11-22T') ? iso.slice(11, 16) : iso;
}

function workspaceLine(workspace: WorkspaceDocument): string {
  const { running, pending, lastApplied } = workspace;
  const parts: string[] = [];
  if (running === null) parts.push('idle');
  else {
    const attempt = running.attempt === undefined ? '' : ` attempt ${running.attempt}`;
    const build = running.build === null ? '' : ` ${running.build}`;
    const lease = running.lease;
    parts.push(
      `running ${name(running)}${attempt}${build}${lease === undefined ? '' : ` (${lease.owner} until ${time(lease.expiresAt)})`}`,
    );
  }
  if (pending !== null) parts.push(`pending ${name(pending)}`);
  if (lastApplied !== null) parts.push(`applied ${name(lastApplied)}`);
  return parts.join(', ');
}

function effectLine(effect: QueueEffect): string {
  switch (effect.kind) {
    case 'write-workspace':
      return 'write workspace';
    case 'write-build': {
      const { build } = effect;
      const attempt = build.attempt === undefined ? '' : ` attempt ${build.attempt}`;
      const failed =
        build.failedStep === undefined ? '' : ` in ${build.failedStep}: ${build.reason ?? ''}`;
      const changes =
        build.changes === undefined
          ? ''
          : ` +${build.changes.create} ~${build.changes.update} -${build.changes.destroy}`;
      return `build ${name(build)}${attempt}: ${build.status}${build.build === null ? '' : ` ${build.build}`}${failed}${changes}`;
    }
    case 'event':
      return `event ${effect.event.type}`;
    case 'start':
      return `start ${name(effect.revision)}${effect.attempt > 1 ? ` attempt ${effect.attempt}` : ''}${effect.resumed ? ' resumed' : ''} until ${time(effect.leaseExpiresAt)}`;
    case 'publish':
      return `publish ${name(effect.revision)}`;
  }
}

interface Row {
  readonly workspace: WorkspaceDocument;
  readonly builds?: readonly BuildDocument[];
  readonly event: QueueEvent;
  readonly then: string;
  readonly effects: readonly string[];
  readonly outcome: QueueOutcome['kind'];
}

/** The queue's specification: one row per transition, state × event → state, effects. */
const table: Record<string, Row> = {
  // A build is requested.
  'an idle workspace starts the request': {
    workspace: idle(),
    event: requested(A),
    then: 'running A1 (instance-2 until 12:25)',
    effects: ['write workspace', 'build A1: requested', 'start A1 until 12:25'],
    outcome: 'start',
  },
  'a request at or below the applied revision is superseded': {
    workspace: idle({ lastApplied: applied(B) }),
    event: requested(A),
    then: 'idle, applied B2',
    effects: ['build A1: superseded'],
    outcome: 'superseded',
  },
  'a redelivered request of the applied revision changes nothing': {
    workspace: idle({ lastApplied: applied(A) }),
    builds: [record(A, 'SUCCESS', { build: 'build-0' })],
    event: requested(A),
    then: 'idle, applied A1',
    effects: [],
    outcome: 'superseded',
  },
  'a request older than the newest revision built is superseded, whatever became of that build': {
    workspace: idle({ latest: { commit: B.commit, sequence: 2 } }),
    builds: [],
    event: requested(A),
    then: 'idle',
    effects: ['build A1: superseded'],
    outcome: 'superseded',
  },
  'a redelivery while its submitter holds the lease waits for it': {
    workspace: idle({ running: runs(A, { until: at('12:10') }) }),
    builds: [record(A, 'requested')],
    event: requested(A),
    then: 'running A1 (instance-1 until 12:10)',
    effects: [],
    outcome: 'running',
  },
  'a redelivery of a build the backend runs changes nothing': {
    workspace: idle({ running: runs(A, { build: 'build-1', until: at('15:00') }) }),
    builds: [record(A, 'WORKING', { build: 'build-1' })],
    event: requested(A),
    then: 'running A1 build-1 (build:build-1 until 15:00)',
    effects: [],
    outcome: 'running',
  },
  'a request of the running revision takes over a submitter that went unheard': {
    workspace: idle({ running: runs(A, { until: at('11:55') }) }),
    builds: [record(A, 'requested')],
    event: requested(A),
    then: 'running A1 (instance-2 until 12:25)',
    effects: ['write workspace', 'event build-taken-over', 'start A1 resumed until 12:25'],
    outcome: 'start',
  },
  'a request of the running revision takes over a build whose notifications stopped': {
    workspace: idle({ running: runs(A, { build: 'build-1', until: at('11:55') }) }),
    builds: [record(A, 'WORKING', { build: 'build-1' })],
    event: requested(A),
    then: 'running A1 build-1 (instance-2 until 12:25)',
    effects: ['write workspace', 'event build-taken-over', 'start A1 resumed until 12:25'],
    outcome: 'start',
  },
  'a lease from before leases expires a term after the workspace was written': {
    workspace: idle({
      running: { commit: A.commit, sequence: 1, build: null },
      updatedAt: at('11:30'),
    }),
    event: requested(A),
    then: 'running A1 (instance-2 until 12:25)',
    effects: ['write workspace', 'event build-taken-over', 'start A1 resumed until 12:25'],
    outcome: 'start',
  },
  'an expired build whose end is recorded is finished, not started again': {
    workspace: idle({ running: runs(A, { build: 'build-1', until: at('11:55') }) }),
    builds: [record(A, 'SUCCESS', { build: 'build-1' })],
    event: requested(B),
    then: 'running B2 (instance-2 until 12:25), applied A1',
    effects: [
      'write workspace',
      'build B2: requested',
      'event workspace-applied',
      'start B2 until 12:25',
    ],
    outcome: 'start',
  },
  'a newer request re-requests an expired running build and waits behind it': {
    workspace: idle({ running: runs(A, { until: at('11:55') }) }),
    builds: [record(A, 'requested')],
    event: requested(B),
    then: 'running A1 (instance-1 until 11:55), pending B2',
    effects: ['write workspace', 'build B2: queued-behind', 'publish A1'],
    outcome: 'queued',
  },
  'a request older than the running revision is superseded': {
    workspace: idle({ running: runs(B, { build: 'build-2', until: at('15:00') }) }),
    event: requested(A),
    then: 'running B2 build-2 (build:build-2 until 15:00)',
    effects: ['build A1: superseded'],
    outcome: 'superseded',
  },
  'a request older than the pending revision is superseded': {
    workspace: idle({ running: runs(A, { until: at('12:10') }), pending: C }),
    event: requested(B),
    then: 'running A1 (instance-1 until 12:10), pending C3',
    effects: ['build B2: superseded'],
    outcome: 'superseded',
  },
  'a redelivered pending request stays queued': {
    workspace: idle({ running: runs(A, { until: at('12:10') }), pending: C }),
    builds: [record(C, 'queued-behind')],
    event: requested(C),
    then: 'running A1 (instance-1 until 12:10), pending C3',
    effects: [],
    outcome: 'queued',
  },
  'a newer request replaces the pending one, which is superseded': {
    workspace: idle({ running: runs(A, { until: at('12:10') }), pending: B }),
    event: requested(C),
    then: 'running A1 (instance-1 until 12:10), pending C3',
    effects: ['write workspace', 'build B2: superseded', 'build C3: queued-behind'],
    outcome: 'queued',
  },
  'an idle workspace supersedes a request older than its pending one, and asks for that': {
    workspace: idle({ pending: C }),
    event: requested(B),
    then: 'idle, pending C3',
    effects: ['build B2: superseded', 'publish C3'],
    outcome: 'superseded',
  },
  'an idle workspace starts its pending revision': {
    workspace: idle({ pending: B }),
    builds: [record(B, 'queued-behind')],
    event: requested(B),
    then: 'running B2 (instance-2 until 12:25)',
    effects: ['write workspace', 'build B2: requested', 'start B2 until 12:25'],
    outcome: 'start',
  },
  'a redelivered request of a superseded build changes nothing': {
    workspace: idle({ running: runs(C, { until: at('12:10') }) }),
    builds: [record(B, 'superseded')],
    event: requested(B),
    then: 'running C3 (instance-1 until 12:10)',
    effects: [],
    outcome: 'running',
  },

  // A retry is requested.
  'a retry builds a failed revision again, as a new attempt': {
    workspace: idle({ lastApplied: applied(A) }),
    builds: [record(B, 'FAILURE', { build: 'build-2' })],
    event: { kind: 'retry-requested', at: NOW, owner: 'instance-2', revision: B },
    then: 'running B2 attempt 2 (instance-2 until 12:25), applied A1',
    effects: [
      'write workspace',
      'build B2 attempt 2: requested',
      'event build-retried',
      'start B2 attempt 2 until 12:25',
    ],
    outcome: 'start',
  },
  'a retry of a build that did not fail is declined': {
    workspace: idle({ lastApplied: applied(B) }),
    builds: [record(B, 'SUCCESS', { build: 'build-2' })],
    event: { kind: 'retry-requested', at: NOW, owner: 'instance-2', revision: B },
    then: 'idle, applied B2',
    effects: [],
    outcome: 'declined',
  },
  'a retry while another build runs is declined': {
    workspace: idle({ running: runs(C, { until: at('12:10') }) }),
    builds: [record(B, 'FAILURE', { build: 'build-2' })],
    event: { kind: 'retry-requested', at: NOW, owner: 'instance-2', revision: B },
    then: 'running C3 (instance-1 until 12:10)',
    effects: [],
    outcome: 'declined',
  },
  'a retry of a revision older than the newest one built is superseded': {
    workspace: idle({ latest: { commit: C.commit, sequence: 3 } }),
    builds: [record(B, 'FAILURE', { build: 'build-2' })],
    event: { kind: 'retry-requested', at: NOW, owner: 'instance-2', revision: B },
    then: 'idle',
    effects: [],
    outcome: 'superseded',
  },
  'a retry of a revision older than the applied one is superseded': {
    workspace: idle({ lastApplied: applied(C) }),
    builds: [record(B, 'FAILURE', { build: 'build-2' })],
    event: { kind: 'retry-requested', at: NOW, owner: 'instance-2', revision: B },
    then: 'idle, applied C3',
    effects: [],
    outcome: 'superseded',
  },

  // The backend accepted, refused, or could not be reached.
  'an accepted build holds the workspace for the backend': {
    workspace: idle({ running: runs(A, { until: at('12:10') }) }),
    builds: [record(A, 'requested')],
    event: { kind: 'accepted', at: NOW, revision: A, attempt: 1, build: 'build-1' },
    then: 'running A1 build-1 (build:build-1 until 16:15)',
    effects: ['write workspace', 'build A1: QUEUED build-1', 'event build-requested'],
    outcome: 'recorded',
  },
  'an accepted build keeps what a notification already said': {
    workspace: idle({ running: runs(A, { build: 'build-1', until: at('16:30') }) }),
    builds: [record(A, 'WORKING', { build: 'build-1' })],
    event: { kind: 'accepted', at: NOW, revision: A, attempt: 1, build: 'build-1' },
    then: 'running A1 build-1 (build:build-1 until 16:30)',
    effects: ['write workspace', 'event build-requested'],
    outcome: 'recorded',
  },
  'a build the backend says has ended is recorded as ended': {
    workspace: idle({ running: runs(A, { until: at('12:10') }) }),
    builds: [record(A, 'requested')],
    event: {
      kind: 'accepted',
      at: NOW,
      revision: A,
      attempt: 1,
      build: 'build-1',
      status: 'SUCCESS',
    },
    then: 'idle, applied A1',
    effects: ['write workspace', 'build A1: SUCCESS build-1', 'event workspace-applied'],
    outcome: 'recorded',
  },
  'a submitter that failed for a moment lets the workspace go at once': {
    workspace: idle({ running: runs(A, { until: at('12:10') }) }),
    event: { kind: 'submit-failed', at: NOW, owner: 'instance-1', revision: A, attempt: 1 },
    then: 'running A1 (instance-1 until 12:00)',
    effects: ['write workspace'],
    outcome: 'recorded',
  },
  'a submitter whose workspace was taken over lets nothing go': {
    workspace: idle({ running: runs(A, { owner: 'instance-2', until: at('12:10') }) }),
    event: { kind: 'submit-failed', at: NOW, owner: 'instance-1', revision: A, attempt: 1 },
    then: 'running A1 (instance-2 until 12:10)',
    effects: [],
    outcome: 'repeated',
  },
  'a refused build frees the workspace for the revision waiting': {
    workspace: idle({ running: runs(A, { until: at('12:10') }), pending: B }),
    builds: [record(A, 'requested')],
    event: { kind: 'refused', at: NOW, revision: A, attempt: 1, reason: 'PERMISSION_DENIED' },
    then: 'idle, pending B2',
    effects: ['write workspace', 'build A1: refused', 'event build-refused', 'publish B2'],
    outcome: 'recorded',
  },
  'a takeover the backend refuses holds the workspace until an earlier build must have ended': {
    workspace: idle({ running: { ...runs(A, { until: at('12:25') }), startedAt: at('11:00') } }),
    builds: [record(A, 'requested')],
    event: {
      kind: 'refused',
      at: NOW,
      revision: A,
      attempt: 1,
      reason: 'PERMISSION_DENIED',
      resumed: true,
    },
    then: 'running A1 (an earlier submission until 15:25)',
    effects: ['write workspace', 'event build-refused'],
    outcome: 'recorded',
  },
  'a takeover the backend refuses once any earlier build has ended frees the workspace': {
    workspace: idle({ running: { ...runs(A, { until: at('12:25') }), startedAt: at('07:00') } }),
    builds: [record(A, 'requested')],
    event: {
      kind: 'refused',
      at: NOW,
      revision: A,
      attempt: 1,
      reason: 'PERMISSION_DENIED',
      resumed: true,
    },
    then: 'idle',
    effects: ['write workspace', 'build A1: refused', 'event build-refused'],
    outcome: 'recorded',
  },
  'a workspace gone from the desired state is let go, nothing destroyed': {
    workspace: idle({ running: runs(A, { until: at('12:10') }) }),
    builds: [record(A, 'requested')],
    event: { kind: 'gone', at: NOW, revision: A, attempt: 1 },
    then: 'idle',
    effects: ['write workspace', 'build A1: superseded'],
    outcome: 'recorded',
  },

  // The backend notifies.
  'a working build renews its lease for the build timeout': {
    workspace: idle({ running: runs(A, { build: 'build-1', until: at('13:00') }) }),
    builds: [record(A, 'QUEUED', { build: 'build-1' })],
    event: notified(A, 'WORKING'),
    then: 'running A1 build-1 (build:build-1 until 15:15)',
    effects: ['write workspace', 'build A1: WORKING build-1'],
    outcome: 'recorded',
  },
  'a notification before the submitter recorded the build hands the lease to the build': {
    workspace: idle({ running: runs(A, { until: at('12:10') }) }),
    builds: [record(A, 'requested')],
    event: notified(A, 'QUEUED'),
    then: 'running A1 build-1 (build:build-1 until 16:15)',
    effects: ['write workspace', 'build A1: QUEUED build-1'],
    outcome: 'recorded',
  },
  'a successful apply advances the applied revision and frees the workspace': {
    workspace: idle({ running: runs(A, { build: 'build-1', until: at('15:00') }) }),
    builds: [record(A, 'WORKING', { build: 'build-1' })],
    event: notified(A, 'SUCCESS'),
    then: 'idle, applied A1',
    effects: ['write workspace', 'build A1: SUCCESS build-1', 'event workspace-applied'],
    outcome: 'recorded',
  },
  'a failed build frees the workspace and the revision waiting is requested': {
    workspace: idle({
      running: runs(A, { build: 'build-1', until: at('15:00') }),
      pending: B,
    }),
    builds: [record(A, 'WORKING', { build: 'build-1' })],
    event: notified(A, 'FAILURE'),
    then: 'idle, pending B2',
    effects: ['write workspace', 'build A1: FAILURE build-1', 'event build-finished', 'publish B2'],
    outcome: 'recorded',
  },
  'a failed build keeps the step that failed and why': {
    workspace: idle({ running: runs(A, { build: 'build-1', until: at('15:00') }) }),
    builds: [record(A, 'WORKING', { build: 'build-1' })],
    event: {
      ...notified(A, 'FAILURE'),
      details: { failedStep: 'apply', reason: 'Error: quota exceeded' },
    } as QueueEvent,
    then: 'idle',
    effects: [
      'write workspace',
      'build A1: FAILURE build-1 in apply: Error: quota exceeded',
      'event build-finished',
    ],
    outcome: 'recorded',
  },
  'a successful apply keeps what it changed': {
    workspace: idle({ running: runs(A, { build: 'build-1', until: at('15:00') }) }),
    builds: [record(A, 'WORKING', { build: 'build-1' })],
    event: {
      ...notified(A, 'SUCCESS'),
      details: { changes: { create: 2, update: 1, destroy: 0 } },
    } as QueueEvent,
    then: 'idle, applied A1',
    effects: ['write workspace', 'build A1: SUCCESS build-1 +2 ~1 -0', 'event workspace-applied'],
    outcome: 'recorded',
  },
  'a repeated final notification changes nothing': {
    workspace: idle({ lastApplied: applied(A, 'build-1') }),
    builds: [record(A, 'SUCCESS', { build: 'build-1' })],
    event: notified(A, 'SUCCESS'),
    then: 'idle, applied A1',
    effects: [],
    outcome: 'repeated',
  },
  'a repeated final notification asks again for the revision waiting': {
    workspace: idle({ pending: B }),
    builds: [record(A, 'FAILURE', { build: 'build-1' })],
    event: notified(A, 'FAILURE'),
    then: 'idle, pending B2',
    effects: ['publish B2'],
    outcome: 'repeated',
  },
  'an older build ending after a newer apply never moves the applied revision back': {
    workspace: idle({ lastApplied: applied(B, 'build-2') }),
    event: notified(A, 'SUCCESS'),
    then: 'idle, applied B2',
    effects: ['write workspace', 'build A1: SUCCESS build-1', 'event build-finished'],
    outcome: 'recorded',
  },
  'a notification of the commit at an older sequence is ignored': {
    workspace: idle({ running: runs({ ...A, sequence: 3 }, { until: at('12:10') }) }),
    builds: [record({ ...A, sequence: 3 }, 'requested')],
    event: notified(A, 'SUCCESS'),
    then: 'running A3 (instance-1 until 12:10)',
    effects: [],
    outcome: 'repeated',
  },
  'a notification of an earlier attempt is ignored': {
    workspace: idle({ running: runs(B, { attempt: 2, until: at('12:10') }) }),
    builds: [record(B, 'requested', { attempt: 2 })],
    event: notified(B, 'FAILURE', 1),
    then: 'running B2 attempt 2 (instance-1 until 12:10)',
    effects: [],
    outcome: 'repeated',
  },

  // A sweep finds the lease expired.
  'a sweep of an idle workspace does nothing': {
    workspace: idle(),
    event: { kind: 'lease-expired', at: NOW },
    then: 'idle',
    effects: [],
    outcome: 'repeated',
  },
  'a sweep leaves a held lease alone': {
    workspace: idle({ running: runs(A, { until: at('12:10') }) }),
    event: { kind: 'lease-expired', at: NOW },
    then: 'running A1 (instance-1 until 12:10)',
    effects: [],
    outcome: 'held',
  },
  'a sweep re-requests a build whose lease expired': {
    workspace: idle({ running: runs(A, { until: at('11:55') }) }),
    builds: [record(A, 'requested')],
    event: { kind: 'lease-expired', at: NOW },
    then: 'running A1 (instance-1 until 11:55)',
    effects: ['publish A1'],
    outcome: 'recorded',
  },
  'a sweep told the owner is gone voids its lease and re-requests the build': {
    workspace: idle({ running: runs(A, { until: at('12:10') }) }),
    builds: [record(A, 'requested')],
    event: { kind: 'lease-expired', at: NOW, ownerGone: true },
    then: 'running A1 (instance-1 until 12:00)',
    effects: ['write workspace', 'publish A1'],
    outcome: 'recorded',
  },
  'a sweep finishes an expired build whose end is recorded': {
    workspace: idle({ running: runs(A, { build: 'build-1', until: at('11:55') }) }),
    builds: [record(A, 'FAILURE', { build: 'build-1' })],
    event: { kind: 'lease-expired', at: NOW },
    then: 'idle',
    effects: ['write workspace', 'event build-finished'],
    outcome: 'recorded',
  },
  'a sweep of an idle workspace with a revision waiting asks for it': {
    workspace: idle({ pending: B }),
    event: { kind: 'lease-expired', at: NOW },
    then: 'idle, pending B2',
    effects: ['publish B2'],
    outcome: 'repeated',
  },
};

describe('the workspace build queue', () => {
  it.each(Object.entries(table))('%s', (_transition, row) => {
    const state: QueueState = { workspace: row.workspace, builds: row.builds ?? [] };
    const step = advanceWorkspaceQueue(state, row.event, TERMS);
    expect({
      then: workspaceLine(step.workspace),
      effects: step.effects.map(effectLine),
      outcome: step.outcome.kind,
    }).toEqual({ then: row.then, effects: row.effects, outcome: row.outcome });
    const written = step.effects.find((effect) => effect.kind === 'write-workspace');
    if (written !== undefined) expect(written.workspace).toEqual(step.workspace);
    else expect(step.workspace).toEqual(row.workspace);
  });
});
