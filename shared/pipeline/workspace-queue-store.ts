import type { BuildRequestMessage } from '../core/contracts/build-request-message.ts';
import type { MessageRepository } from '../core/contracts/fields.ts';
import {
  advanceWorkspaceQueue,
  type QueueEffect,
  type QueueEvent,
  type QueueState,
  type QueueStep,
} from '../core/pipeline/workspace-queue.ts';
import type { LeaseTerms } from '../core/pipeline/build-leases.ts';
import type { DocumentTransaction } from '../ports/document-store.ts';
import { toData, type RepositoryState } from './repository-state.ts';
import type { BuildDocument, WorkspaceDocument } from './state-documents.ts';

/** An event for one workspace's queue; the commit names the build document it concerns. */
export interface WorkspaceQueueEvent {
  readonly workspace: string;
  /** The commit of the build the event is about, when it is about one. */
  readonly commit?: string;
  readonly event: QueueEvent;
}

/** A step of one workspace's queue, with the workspace it is for. */
export type WorkspaceQueueStep = QueueStep & { readonly id: string };

/**
 * Runs events through their workspaces' queues inside `transaction`: reads the documents
 * each needs (in two reads at most), advances the queue, and writes what it decided. The
 * starts and publishes are left to the caller, for after the transaction commits.
 */
export async function advanceQueues(
  state: RepositoryState,
  transaction: DocumentTransaction,
  events: readonly WorkspaceQueueEvent[],
  terms: LeaseTerms,
): Promise<WorkspaceQueueStep[]> {
  const found = await transaction.getAll(
    events.flatMap(({ workspace, commit }) => [
      state.paths.workspace(workspace),
      ...(commit === undefined ? [] : [state.paths.build(workspace, commit)]),
    ]),
  );
  let index = 0;
  const queues = events.map(({ workspace, commit }): QueueState => {
    const document =
      (found[index++] as WorkspaceDocument | undefined) ?? newWorkspace(state, workspace);
    const build = commit === undefined ? undefined : (found[index++] as BuildDocument | undefined);
    return { workspace: document, builds: build === undefined ? [] : [build] };
  });
  // The running build's document, where it is another commit's: its end may be recorded.
  const running = queues.flatMap((queue, position) => {
    const commit = queue.workspace.running?.commit;
    return commit === undefined || commit === events[position]?.commit
      ? []
      : [{ position, path: state.paths.build(queue.workspace.id, commit) }];
  });
  const runningBuilds =
    running.length === 0 ? [] : await transaction.getAll(running.map((item) => item.path));
  const complete = [...queues];
  running.forEach(({ position }, at) => {
    const build = runningBuilds[at] as BuildDocument | undefined;
    const queue = complete[position] as QueueState;
    if (build !== undefined) complete[position] = { ...queue, builds: [...queue.builds, build] };
  });
  return complete.map((queue, position) => {
    const step = advanceWorkspaceQueue(
      queue,
      (events[position] as WorkspaceQueueEvent).event,
      terms,
    );
    writeStep(state, transaction, step);
    return { ...step, id: queue.workspace.id };
  });
}

function writeStep(state: RepositoryState, transaction: DocumentTransaction, step: QueueStep) {
  for (const effect of step.effects) {
    if (effect.kind === 'write-workspace') {
      transaction.set(state.paths.workspace(effect.workspace.id), toData(effect.workspace));
    } else if (effect.kind === 'write-build') {
      const { build } = effect;
      transaction.set(state.paths.build(build.workspace, build.commit), toData(build));
    } else if (effect.kind === 'event') {
      transaction.set(state.paths.event(effect.key), toData(effect.event));
    }
  }
}

/** The starts the steps decided, for after their transaction. */
export function startsOf(steps: readonly WorkspaceQueueStep[]) {
  return steps.flatMap((step) =>
    step.effects.flatMap((effect) =>
      effect.kind === 'start' ? [{ workspace: step.id, ...effect }] : [],
    ),
  );
}

/**
 * Publishes, through `publish` (a publish to the `builds` topic), the requests the steps
 * decided: the revisions waiting, or to take over.
 */
export async function publishRequests(
  publish: (message: BuildRequestMessage) => Promise<unknown>,
  repository: MessageRepository,
  steps: readonly WorkspaceQueueStep[],
): Promise<void> {
  const requests = steps.flatMap((step) =>
    step.effects.flatMap((effect: QueueEffect) =>
      effect.kind === 'publish' ? [{ workspace: step.id, ...effect.revision }] : [],
    ),
  );
  await Promise.all(
    requests.map(({ workspace, ...revision }) =>
      publish({ version: 2, repository, workspaces: [workspace], ...revision }),
    ),
  );
}

function newWorkspace(state: RepositoryState, id: string): WorkspaceDocument {
  return { id, lastApplied: null, running: null, pending: null, updatedAt: state.now() };
}
