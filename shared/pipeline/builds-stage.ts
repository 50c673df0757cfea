import {
  BUILDS_TOPIC,
  decodeBuildRequestMessage,
  type BuildRequestMessage,
} from '../core/contracts/build-request-message.ts';
import { mapConcurrently } from '../core/async/map-concurrently.ts';
import { classifyFailure } from '../ports/classify-failure.ts';
import { renderWorkspace } from '../core/render/render-workspace.ts';
import type { DocumentTransaction } from '../ports/document-store.ts';
import {
  governedState,
  toData,
  type RepositoryState,
  type StateRepository,
} from './repository-state.ts';
import {
  buildsOutcome,
  type Decision,
  type Started,
  type WorkspaceBuild,
} from './builds-outcome.ts';
import type { LoadedRevision } from './revision-loader.ts';
import { rejectedMessage, type PipelinePorts, type Stage } from './stage.ts';
import type {
  BuildDocument,
  BuildDocumentStatus,
  RevisionPointer,
  WorkspaceDocument,
} from './state-documents.ts';

/** Builds handed to the backend at once: enough to hide its latency, few enough for its quota. */
const CONCURRENT_SUBMISSIONS = 8;

/**
 * The builds stage: renders affected workspaces at one revision and starts a build of each.
 * Builds serialize per workspace: while one runs, the newest request waits and older ones
 * are superseded, so an older revision is never applied after a newer one. Idempotent on
 * (workspace, commit, sequence): a redelivered request never starts a second build. The
 * workspaces of one message are decided together in one transaction and recorded together
 * in another, and their builds start side by side. A build the backend refuses for good is
 * recorded as refused and frees its workspace for the next; one that failed otherwise is
 * retried, with the message, on its own.
 */
export function createBuildsStage(
  ports: Pick<
    PipelinePorts,
    'store' | 'publisher' | 'revisions' | 'builds' | 'clock' | 'render' | 'repository'
  >,
): Stage {
  return async (data) => {
    const decoded = decodeBuildRequestMessage(data);
    if (!decoded.ok) return rejectedMessage(BUILDS_TOPIC, decoded.issues);
    const { version: _, workspaces, ...revision } = decoded.message;
    const requests = workspaces.map((workspace): WorkspaceBuild => ({ ...revision, workspace }));
    const state = governedState(ports, revision.repository);
    const decisions = await ports.store.transact(async (transaction) => {
      const stored = await readBuilds(state, requests, transaction);
      return requests.map((request, index) =>
        decide(state, request, stored[index] as StoredBuild, transaction),
      );
    });
    const starting = requests.flatMap((request, index) => {
      const decision = decisions[index];
      return decision?.kind === 'start' ? [{ request, resumed: decision.resumed }] : [];
    });
    const started = await startBuilds(ports, state.repository, starting);
    const landed = started.filter((result) => result.kind !== 'failed');
    const waiting =
      landed.length === 0
        ? []
        : await ports.store.transact(async (transaction) => {
            // Firestore refuses a transaction's read after one of its writes: reads come first.
            const stored = await readBuilds(
              state,
              landed.map((result) => result.request),
              transaction,
            );
            return landed.flatMap((result, index) =>
              record(state, result, stored[index] as StoredBuild, transaction),
            );
          });
    // A refused build frees its workspace: the revision queued behind it goes next.
    await Promise.all(
      waiting.map((pending) =>
        ports.publisher.publish(BUILDS_TOPIC, {
          version: 2,
          ...revision,
          workspaces: [pending.workspace],
          commit: pending.commit,
          sequence: pending.sequence,
        } satisfies BuildRequestMessage),
      ),
    );
    const failed = started.filter((result) => result.kind === 'failed');
    if (failed[0] !== undefined) {
      // The others are recorded; a redelivery starts only these again.
      const names = failed.map((result) => result.request.workspace).join(', ');
      throw new Error(`starting the builds of ${names} failed`, { cause: failed[0].error });
    }
    return buildsOutcome(requests, decisions, started);
  };
}

interface StoredBuild {
  readonly workspace: WorkspaceDocument;
  readonly build: BuildDocument | undefined;
}

/** Each request's workspace and build documents, in one read. */
async function readBuilds(
  state: RepositoryState,
  requests: readonly WorkspaceBuild[],
  transaction: DocumentTransaction,
): Promise<StoredBuild[]> {
  const found = await transaction.getAll(
    requests.flatMap((request) => [
      state.paths.workspace(request.workspace),
      state.paths.build(request.workspace, request.commit),
    ]),
  );
  return requests.map((request, index) => ({
    workspace:
      (found[2 * index] as WorkspaceDocument | undefined) ?? newWorkspace(state, request.workspace),
    build: found[2 * index + 1] as BuildDocument | undefined,
  }));
}

/**
 * Renders each workspace at the revision and hands its build to the backend, both under the
 * governed repository's key: its Terraform state lives there.
 */
async function startBuilds(
  ports: Pick<PipelinePorts, 'revisions' | 'builds' | 'render'>,
  governed: StateRepository,
  starting: readonly { readonly request: WorkspaceBuild; readonly resumed: boolean }[],
): Promise<Started[]> {
  const [first] = starting;
  if (first === undefined) return [];
  const { owner, name, id } = governed;
  const repository = { owner, name, ...(id === undefined ? {} : { id }) };
  let revision: LoadedRevision;
  try {
    revision = await ports.revisions.load(first.request.repository, first.request.commit);
  } catch (error) {
    // The workspaces are taken already: a revision that can never be read must let them go.
    const failure = classifyFailure(error);
    if (failure.kind !== 'permanent') throw error;
    return starting.map(({ request }) => ({ request, kind: 'refused', reason: failure.reason }));
  }
  const { state: desired } = revision.analysis;
  // The revision's model is compiled once per instance and shared by its workspaces' builds.
  const models = ports.revisions.model(revision).workspaces;
  const start = async ({ request, resumed }: (typeof starting)[number]): Promise<Started> => {
    const model = models.get(request.workspace);
    if (model === undefined) return { request, kind: 'gone' };
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

/**
 * Records a started build on its workspace, a workspace that is gone as superseded, or a
 * refused build as refused; returns the revision waiting behind a refused build, to start.
 */
function record(
  state: RepositoryState,
  result: Exclude<Started, { kind: 'failed' }>,
  stored: StoredBuild,
  transaction: DocumentTransaction,
): (RevisionPointer & { readonly workspace: string })[] {
  const { request } = result;
  const { workspace, build: existing } = stored;
  const running = workspace.running;
  if (result.kind === 'refused') {
    const mine = running?.commit === request.commit && running.sequence === request.sequence;
    transaction.set(
      state.paths.workspace(request.workspace),
      toData({ ...workspace, running: mine ? null : running, updatedAt: state.now() }),
    );
    transaction.set(
      state.paths.build(request.workspace, request.commit),
      toData(buildRecord(state, request, 'refused', result.reason)),
    );
    state.event(transaction, `build ${request.workspace} ${request.commit} ${request.sequence}`, {
      type: 'build-refused',
      commit: request.commit,
      workspace: request.workspace,
      message: `the build of ${request.workspace} at ${request.commit.slice(0, 7)} was refused: ${result.reason}`,
    });
    const pending = workspace.pending;
    return mine && pending !== null ? [{ workspace: request.workspace, ...pending }] : [];
  }
  if (result.kind === 'gone') {
    // Destroying a whole workspace is a decision for a person, not a side effect of a push.
    transaction.set(
      state.paths.workspace(request.workspace),
      toData({
        ...workspace,
        running: running?.commit === request.commit ? null : running,
        updatedAt: state.now(),
      }),
    );
    transaction.set(
      state.paths.build(request.workspace, request.commit),
      toData(
        buildRecord(
          state,
          request,
          'superseded',
          'the workspace is no longer in the desired state',
        ),
      ),
    );
    return [];
  }
  const { build } = result;
  if (
    running?.commit === request.commit &&
    running.sequence === request.sequence &&
    running.build === null
  ) {
    transaction.set(
      state.paths.workspace(request.workspace),
      toData({ ...workspace, running: { ...running, build: build.id }, updatedAt: state.now() }),
    );
  }
  // A notification may already have moved the build on: keep what it said.
  if (existing?.status === 'requested' || existing === undefined) {
    transaction.set(
      state.paths.build(request.workspace, request.commit),
      toData(buildRecord(state, request, 'QUEUED', null, build.id, build.logUrl)),
    );
  }
  state.event(transaction, `build ${request.workspace} ${request.commit} ${request.sequence}`, {
    type: 'build-requested',
    commit: request.commit,
    workspace: request.workspace,
    message: `build ${build.id} of ${request.workspace} at ${request.commit.slice(0, 7)} (${request.apply ? 'plan and apply' : 'plan only'})`,
  });
  return [];
}

/** What `request` may do, given its workspace as stored; writes what the decision changes. */
function decide(
  state: RepositoryState,
  request: WorkspaceBuild,
  { workspace, build: stored }: StoredBuild,
  transaction: DocumentTransaction,
): Decision {
  // The same commit at another sequence (a forced push back to it) is a new build.
  const build = stored?.sequence === request.sequence ? stored : undefined;
  const mine: RevisionPointer = { commit: request.commit, sequence: request.sequence };
  const write = (changed: WorkspaceDocument) => {
    transaction.set(state.paths.workspace(request.workspace), toData(changed));
  };
  const record = (status: BuildDocumentStatus, reason: string) => {
    transaction.set(
      state.paths.build(request.workspace, request.commit),
      toData(buildRecord(state, request, status, reason)),
    );
  };

  const applied = workspace.lastApplied;
  if (applied !== null && request.apply && request.sequence <= applied.sequence) {
    const reason = `revision ${applied.sequence} (${applied.commit.slice(0, 7)}) is already applied`;
    if (build === undefined) record('superseded', reason);
    return { kind: 'superseded', detail: reason };
  }
  const running = workspace.running;
  if (
    running !== null &&
    running.commit === request.commit &&
    running.sequence === request.sequence
  ) {
    // A redelivery: start again only if the backend never accepted the first request.
    return running.build === null
      ? { kind: 'start', resumed: true }
      : { kind: 'running', detail: `build ${running.build} is running` };
  }
  if (build !== undefined && build.status !== 'queued-behind') {
    return { kind: 'running', detail: `build of ${request.commit.slice(0, 7)} is ${build.status}` };
  }
  if (running !== null) {
    if (request.sequence < running.sequence) {
      const reason = `revision ${running.sequence} is newer and already building`;
      record('superseded', reason);
      return { kind: 'superseded', detail: reason };
    }
    const pending = workspace.pending;
    if (pending !== null && pending.sequence >= request.sequence) {
      if (pending.commit === request.commit) return { kind: 'queued', detail: 'already queued' };
      const reason = `revision ${pending.sequence} is newer and queued`;
      record('superseded', reason);
      return { kind: 'superseded', detail: reason };
    }
    if (pending !== null) {
      transaction.set(
        state.paths.build(request.workspace, pending.commit),
        toData(
          buildRecord(
            state,
            { ...request, ...pending },
            'superseded',
            `revision ${request.sequence} is newer`,
          ),
        ),
      );
    }
    write({ ...workspace, pending: mine, updatedAt: state.now() });
    record('queued-behind', `waiting for the build of revision ${running.sequence}`);
    return { kind: 'queued', detail: `queued behind revision ${running.sequence}` };
  }
  const pending = workspace.pending;
  if (pending !== null && pending.sequence > request.sequence) {
    const reason = `revision ${pending.sequence} is newer and queued`;
    record('superseded', reason);
    return { kind: 'superseded', detail: reason };
  }
  write({
    ...workspace,
    running: { ...mine, build: null },
    pending: pending?.commit === request.commit ? null : pending,
    updatedAt: state.now(),
  });
  record('requested', 'rendering and starting the build');
  return { kind: 'start', resumed: false };
}

/** The workspace document, or a new one. */
export async function workspaceDocument(
  state: RepositoryState,
  id: string,
  transaction: DocumentTransaction,
): Promise<WorkspaceDocument> {
  const found = (await transaction.get(state.paths.workspace(id))) as WorkspaceDocument | undefined;
  return found ?? newWorkspace(state, id);
}

function newWorkspace(state: RepositoryState, id: string): WorkspaceDocument {
  return { id, lastApplied: null, running: null, pending: null, updatedAt: state.now() };
}

/** A build document. */
export function buildRecord(
  state: RepositoryState,
  request: Pick<WorkspaceBuild, 'workspace' | 'commit' | 'sequence' | 'apply'>,
  status: BuildDocumentStatus,
  reason: string | null,
  build: string | null = null,
  logUrl: string | null = null,
): BuildDocument {
  return {
    workspace: request.workspace,
    commit: request.commit,
    sequence: request.sequence,
    apply: request.apply,
    status,
    build,
    logUrl,
    reason,
    updatedAt: state.now(),
  };
}
