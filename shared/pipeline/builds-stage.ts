import {
  BUILDS_TOPIC,
  decodeBuildRequestMessage,
  type BuildRequestMessage,
} from '../core/contracts/build-request-message.ts';
import { mapConcurrently } from '../core/async/map-concurrently.ts';
import { DEFAULT_LEASE_TERMS, atOrAfter } from '../core/pipeline/build-leases.ts';
import type { QueueEvent, QueueOutcome } from '../core/pipeline/workspace-queue.ts';
import { classifyFailure } from '../ports/classify-failure.ts';
import { renderWorkspace } from '../core/render/render-workspace.ts';
import { reportApplyCheck } from './apply-check.ts';
import { releaseDecision, recordHolds, recordReleases } from './release-gate.ts';
import { governedState, type RepositoryState, type StateRepository } from './repository-state.ts';
import {
  buildsOutcome,
  type Decision,
  type Started,
  type WorkspaceBuild,
} from './builds-outcome.ts';
import type { LoadedRevision } from './revision-loader.ts';
import { rejectedMessage, TransientError, type PipelinePorts, type Stage } from './stage.ts';
import { advanceQueues, publishRequests, startsOf } from './workspace-queue-store.ts';

/** Builds handed to the backend at once: enough to hide its latency, few enough for its quota. */
const CONCURRENT_SUBMISSIONS = 8;

/**
 * The builds stage: renders affected workspaces at one revision and starts a build of each.
 * What each request may do is the workspace queue's decision (`advanceWorkspaceQueue`):
 * builds serialize per workspace under a lease, and a redelivered request never starts a
 * second build. The workspaces of one message are decided together in one transaction and
 * recorded together in another, and their builds start side by side. A build the backend
 * refuses for good is recorded as refused and frees its workspace for the next; one that
 * failed otherwise lets its workspace go and is retried, with the message, on its own.
 */
export function createBuildsStage(
  ports: Pick<
    PipelinePorts,
    | 'store'
    | 'publisher'
    | 'revisions'
    | 'builds'
    | 'clock'
    | 'render'
    | 'repository'
    | 'instance'
    | 'reporter'
  >,
): Stage {
  const owner = ports.instance ?? `builds-${crypto.randomUUID()}`;
  const terms = ports.builds.leaseTerms ?? DEFAULT_LEASE_TERMS;
  return async (data) => {
    const decoded = decodeBuildRequestMessage(data);
    if (!decoded.ok) return rejectedMessage(BUILDS_TOPIC, decoded.issues);
    const { version: _, workspaces: named, retry, snapshot, ...revision } = decoded.message;
    const state = governedState(ports, revision.repository);
    const { commit, sequence, apply } = revision;
    // A retry builds again what failed, which its stage had let start.
    const held =
      apply && retry !== true ? await holdStaged(ports, state, decoded.message) : new Set<string>();
    const workspaces = named.filter((workspace) => !held.has(workspace));
    // The check shows why they wait, and offers the approval once a stage awaits one.
    if (held.size > 0) {
      await reportApplyCheck(ports, revision.repository, commit, `builds ${commit} held`);
    }
    if (workspaces.length === 0) {
      return { status: 'skipped', detail: `${held.size} held by their release stages` };
    }
    const requests = workspaces.map((workspace): WorkspaceBuild => ({ ...revision, workspace }));
    const at = state.now();
    const decided = await ports.store.transact((transaction) =>
      advanceQueues(
        state,
        transaction,
        workspaces.map((workspace) => ({
          workspace,
          commit,
          event: {
            kind: retry === true ? 'retry-requested' : 'requested',
            at,
            owner,
            revision: { commit, sequence, apply },
          },
        })),
        terms,
      ),
    );
    const starting = startsOf(decided).map((start) => ({
      request: { ...revision, ...start.revision, workspace: start.workspace },
      resumed: start.resumed,
      attempt: start.attempt,
      leaseExpiresAt: start.leaseExpiresAt,
    }));
    const started = await startBuilds(ports, state.repository, starting, { commit, snapshot });
    const recorded =
      started.length === 0
        ? []
        : await ports.store.transact((transaction) =>
            advanceQueues(
              state,
              transaction,
              started.map((result, index) => ({
                workspace: result.request.workspace,
                commit: result.request.commit,
                event: startedEvent(result, starting[index], state.now(), owner),
              })),
              terms,
            ),
          );
    // A refused build frees its workspace: the revision queued behind it goes next; an
    // expired lease is taken over through a request of its own.
    await publishRequests(
      (message) => ports.publisher.publish(BUILDS_TOPIC, message),
      revision.repository,
      [...decided, ...recorded],
    );
    const failed = started.filter((result) => result.kind === 'failed');
    if (failed[0] !== undefined) {
      // The others are recorded; a redelivery starts only these again.
      const names = failed.map((result) => result.request.workspace).join(', ');
      throw new Error(`starting the builds of ${names} failed`, { cause: failed[0].error });
    }
    return buildsOutcome(
      requests,
      decided.map((step) => decision(step.outcome, startsOf([step])[0]?.resumed ?? false)),
      started,
    );
  };
}

/**
 * The workspaces of the message that their release stages hold (`releaseHolds`), recorded as
 * held; the stages its approvals released are recorded as events.
 */
async function holdStaged(
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository' | 'revisions'>,
  state: RepositoryState,
  message: BuildRequestMessage,
): Promise<Set<string>> {
  const decision = await releaseDecision(ports, message, message.workspaces);
  await recordReleases(state, message, decision);
  return recordHolds(state, message, decision, message.workspaces);
}

/** What the backend's answer to a submission is, as an event of the workspace's queue. */
function startedEvent(
  result: Started,
  start: { readonly attempt: number; readonly resumed: boolean } | undefined,
  at: string,
  owner: string,
): QueueEvent {
  const { commit, sequence, apply } = result.request;
  const revision = { commit, sequence, apply };
  const attempt = start?.attempt ?? 1;
  switch (result.kind) {
    case 'submitted':
      return {
        kind: 'accepted',
        at,
        revision,
        attempt,
        build: result.build.id,
        ...(result.build.logUrl === undefined ? {} : { logUrl: result.build.logUrl }),
        ...(result.build.status === undefined ? {} : { status: result.build.status }),
      };
    case 'refused':
      return {
        kind: 'refused',
        at,
        revision,
        attempt,
        reason: result.reason,
        resumed: start?.resumed ?? false,
      };
    case 'gone':
      return { kind: 'gone', at, revision, attempt };
    case 'failed':
      return { kind: 'submit-failed', at, owner, revision, attempt };
  }
}

/** The queue's outcome for a request, as the stage's summary counts it. */
function decision(outcome: QueueOutcome, resumed: boolean): Decision {
  switch (outcome.kind) {
    case 'start':
      return { kind: 'start', resumed };
    case 'queued':
    case 'superseded':
    case 'declined':
      return { kind: outcome.kind, detail: outcome.detail };
    default:
      return { kind: 'running', detail: outcome.detail };
  }
}

/**
 * Renders each workspace at the revision and hands its build to the backend, both under the
 * governed repository's key: its Terraform state lives there. `requested` is the commit the
 * message named, with the snapshot it named of that commit's revision, if any.
 */
async function startBuilds(
  ports: Pick<PipelinePorts, 'revisions' | 'builds' | 'render' | 'clock'>,
  governed: StateRepository,
  starting: readonly {
    readonly request: WorkspaceBuild;
    readonly resumed: boolean;
    readonly attempt: number;
    readonly leaseExpiresAt: string;
  }[],
  requested: { readonly commit: string; readonly snapshot: string | undefined },
): Promise<Started[]> {
  const [first] = starting;
  if (first === undefined) return [];
  const { owner, name, id } = governed;
  const repository = { owner, name, ...(id === undefined ? {} : { id }) };
  let revision: LoadedRevision;
  try {
    // The queue may start another revision than the message's: its snapshot is not that one.
    const snapshot = first.request.commit === requested.commit ? requested.snapshot : undefined;
    revision = await ports.revisions.load(first.request.repository, first.request.commit, {
      snapshot,
    });
  } catch (error) {
    // The workspaces are taken already: a revision that can never be read must let them go.
    const failure = classifyFailure(error);
    if (failure.kind !== 'permanent') throw error;
    return starting.map(({ request }) => ({ request, kind: 'refused', reason: failure.reason }));
  }
  const { state: desired } = revision.analysis;
  // The revision's model is compiled once per instance and shared by its workspaces' builds.
  const models = ports.revisions.model(revision).workspaces;
  const start = async ({
    request,
    resumed,
    attempt,
    leaseExpiresAt,
  }: (typeof starting)[number]): Promise<Started> => {
    const model = models.get(request.workspace);
    if (model === undefined) return { request, kind: 'gone' };
    if (atOrAfter(ports.clock.now(), leaseExpiresAt)) {
      // Another instance may be taking the workspace over: submitting now could race it.
      const error = new TransientError(
        `the lease on ${request.workspace} ran out at ${leaseExpiresAt} before its build was submitted`,
      );
      return { request, kind: 'failed', error };
    }
    try {
      // The backend is idempotent on (workspace, commit, sequence): a crash before the id is
      // recorded gets the same build back when the request is delivered again. A first
      // attempt tells it so, and spares it the look.
      const build = await ports.builds.submit({
        repository,
        workspace: request.workspace,
        commit: request.commit,
        sequence: request.sequence,
        apply: request.apply,
        rootModule: renderWorkspace(desired, model, ports.render, repository),
        mayHaveStarted: resumed,
        ...(attempt > 1 ? { attempt } : {}),
      });
      return { request, kind: 'submitted', build };
    } catch (error) {
      // Classified here rather than by whoever runs the stage: the workspaces of a message
      // fail one by one, and only a refused one is recorded and let go.
      const failure = classifyFailure(error);
      return failure.kind === 'permanent'
        ? { request, kind: 'refused', reason: failure.reason }
        : { request, kind: 'failed', error };
    }
  };
  return mapConcurrently(starting, CONCURRENT_SUBMISSIONS, start);
}
