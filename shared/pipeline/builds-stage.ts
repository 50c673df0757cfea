import {
  BUILDS_TOPIC,
  decodeBuildRequestMessage,
  type BuildRequestMessage,
} from '../core/contracts/build-request-message.ts';
import { renderWorkspace } from '../core/render/render-workspace.ts';
import type { DocumentTransaction } from '../ports/document-store.ts';
import { RepositoryState, toData } from './repository-state.ts';
import { rejectedMessage, type PipelinePorts, type Stage } from './stage.ts';
import type {
  BuildDocument,
  BuildDocumentStatus,
  RevisionPointer,
  WorkspaceDocument,
} from './state-documents.ts';

/** What the workspace lets a build request do. */
type Decision =
  | { readonly kind: 'start' }
  | { readonly kind: 'running'; readonly detail: string }
  | { readonly kind: 'queued'; readonly detail: string }
  | { readonly kind: 'superseded'; readonly detail: string };

/**
 * The builds stage: renders one affected workspace at one revision and starts its build.
 * Builds serialize per workspace: while one runs, the newest request waits and older ones
 * are superseded, so an older revision is never applied after a newer one. Idempotent on
 * (workspace, commit): a redelivered request never starts a second build.
 */
export function createBuildsStage(
  ports: Pick<PipelinePorts, 'store' | 'revisions' | 'builds' | 'clock' | 'render'>,
): Stage {
  return async (data) => {
    const decoded = decodeBuildRequestMessage(data);
    if (!decoded.ok) return rejectedMessage(BUILDS_TOPIC, decoded.issues);
    const request = decoded.message;
    const state = new RepositoryState(ports.store, request.repository, ports.clock);
    const decision = await ports.store.transact((transaction) =>
      decide(state, request, transaction),
    );
    if (decision.kind === 'superseded') return { status: 'skipped', detail: decision.detail };
    if (decision.kind === 'queued') return { status: 'done', detail: decision.detail };
    if (decision.kind === 'running') return { status: 'repeated', detail: decision.detail };

    const revision = await ports.revisions.load(request.repository, request.commit);
    const { state: desired } = revision.analysis;
    // The revision's model is compiled once per instance and shared by its workspaces' builds.
    const model = ports.revisions.model(revision).workspaces.get(request.workspace);
    if (model === undefined) {
      // Destroying a whole workspace is a decision for a person, not a side effect of a push.
      await finish(state, request, 'superseded', 'the workspace is no longer in the desired state');
      return { status: 'skipped', detail: `workspace ${request.workspace} no longer exists` };
    }
    // The backend is idempotent on (workspace, commit, sequence): a crash before the id is stored
    // below gets the same build back when the request is delivered again.
    const submitted = await ports.builds.submit({
      repository: request.repository,
      workspace: request.workspace,
      commit: request.commit,
      sequence: request.sequence,
      apply: request.apply,
      rootModule: renderWorkspace(desired, model, ports.render),
    });
    await ports.store.transact(async (transaction) => {
      // Firestore refuses a transaction's read after one of its writes: both reads come first.
      const workspace = await workspaceDocument(state, request.workspace, transaction);
      const existing = await buildDocument(state, request, transaction);
      const running = workspace.running;
      if (
        running?.commit === request.commit &&
        running.sequence === request.sequence &&
        running.build === null
      ) {
        transaction.set(
          state.paths.workspace(request.workspace),
          toData({
            ...workspace,
            running: { ...running, build: submitted.id },
            updatedAt: state.now(),
          }),
        );
      }
      // A notification may already have moved the build on: keep what it said.
      if (existing?.status === 'requested' || existing === undefined) {
        transaction.set(
          state.paths.build(request.workspace, request.commit),
          toData(buildRecord(state, request, 'QUEUED', null, submitted.id, submitted.logUrl)),
        );
      }
      state.event(transaction, `build ${request.workspace} ${request.commit} ${request.sequence}`, {
        type: 'build-requested',
        commit: request.commit,
        workspace: request.workspace,
        message: `build ${submitted.id} of ${request.workspace} at ${request.commit.slice(0, 7)} (${request.apply ? 'plan and apply' : 'plan only'})`,
      });
    });
    return { status: 'done', detail: `build ${submitted.id} started` };
  };
}

async function decide(
  state: RepositoryState,
  request: BuildRequestMessage,
  transaction: DocumentTransaction,
): Promise<Decision> {
  const workspace = await workspaceDocument(state, request.workspace, transaction);
  const stored = await buildDocument(state, request, transaction);
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
      ? { kind: 'start' }
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
  return { kind: 'start' };
}

/** The workspace document, or a new one. */
export async function workspaceDocument(
  state: RepositoryState,
  id: string,
  transaction: DocumentTransaction,
): Promise<WorkspaceDocument> {
  const found = (await transaction.get(state.paths.workspace(id))) as WorkspaceDocument | undefined;
  return found ?? { id, lastApplied: null, running: null, pending: null, updatedAt: state.now() };
}

async function buildDocument(
  state: RepositoryState,
  request: Pick<BuildRequestMessage, 'workspace' | 'commit'>,
  transaction: DocumentTransaction,
): Promise<BuildDocument | undefined> {
  return (await transaction.get(state.paths.build(request.workspace, request.commit))) as
    BuildDocument | undefined;
}

/** A build document. */
export function buildRecord(
  state: RepositoryState,
  request: Pick<BuildRequestMessage, 'workspace' | 'commit' | 'sequence' | 'apply'>,
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

async function finish(
  state: RepositoryState,
  request: BuildRequestMessage,
  status: BuildDocumentStatus,
  reason: string,
): Promise<void> {
  await state.store.transact(async (transaction) => {
    const workspace = await workspaceDocument(state, request.workspace, transaction);
    transaction.set(
      state.paths.workspace(request.workspace),
      toData({
        ...workspace,
        running: workspace.running?.commit === request.commit ? null : workspace.running,
        updatedAt: state.now(),
      }),
    );
    transaction.set(
      state.paths.build(request.workspace, request.commit),
      toData(buildRecord(state, request, status, reason)),
    );
  });
}
