import type { BuildKey } from '../shared/adapters/local-build-service.ts';
import { BUILDS_TOPIC, buildRequests } from '../shared/core/contracts/build-request-message.ts';
import {
  DESIRED_STATE_TOPIC,
  MANIFESTS_TOPIC,
  type CommitMessage,
} from '../shared/core/contracts/commit-message.ts';
import type { RepositoryState } from '../shared/pipeline/repository-state.ts';
import { resumeBuilds } from '../shared/pipeline/resume-builds.ts';
import type {
  BuildDocument,
  CommitDocument,
  RevisionPointer,
} from '../shared/pipeline/state-documents.ts';
import type { Publisher } from '../shared/ports/publisher.ts';

/** What a run found unfinished and handed to the pipeline again. */
export interface Resumption {
  /** The stages started again, such as `deltas of 1a2b3c4`. */
  readonly stages: readonly string[];
  /** Builds taken over or requested again. */
  readonly builds: readonly BuildKey[];
  /** What this run leaves for another, one sentence each. */
  readonly left: readonly string[];
}

/**
 * Finds the work a killed `run` or `serve` left unfinished in the state store and publishes
 * what finishes it, for the bus to drain: the revision being recorded, the deltas of the
 * current revision, every build left running, every revision left queued, and the builds of
 * the current revision never requested. The stages are idempotent, so a message for work
 * that did finish changes nothing. Only the holder of the state folder's lock may call it:
 * then no other process builds in this folder, and with the folder's own store every build
 * recorded as running was left by one that ended.
 */
export async function resumeInterruptedWork(options: {
  readonly state: RepositoryState;
  readonly bus: Publisher;
  /** The pipeline's, to take over the workspaces the killed one held (`resumeBuilds`). */
  readonly ports: Parameters<typeof resumeBuilds>[0];
  /** Whether this run applies: a build that applies is not resumed by one that does not. */
  readonly apply: boolean;
  /**
   * Whether the store is this folder's own: then holding the folder's lock makes this process
   * the only builder, and every lease is a dead one's. A shared store (Firestore) may hold
   * the leases of other machines' runs, or of the pipeline in Google Cloud: only those that
   * expired are taken over.
   */
  readonly storeIsLocal: boolean;
}): Promise<Resumption> {
  const { state, bus } = options;
  const stages: string[] = [];
  const left: string[] = [];
  const resumed: BuildKey[] = [];
  const repository = await state.repositoryDocument();

  const current = repository.current;
  const currentCommit = current === null ? undefined : await state.commit(current.commit);
  const deltas = currentCommit?.stages.deltas;
  if (current !== null && currentCommit !== undefined && deltas?.sequence !== current.sequence) {
    await bus.publish(DESIRED_STATE_TOPIC, commitMessage(state, currentCommit));
    stages.push(`deltas of ${short(current.commit)}`);
  }
  const recording = repository.recording;
  const recordingCommit = recording === null ? undefined : await state.commit(recording.commit);
  if (recording !== null && recordingCommit !== undefined) {
    await bus.publish(MANIFESTS_TOPIC, commitMessage(state, recordingCommit));
    stages.push(`record of ${short(recording.commit)}`);
  }

  const requests = new Map<string, RevisionPointer & { readonly apply: boolean }>();
  const takenOver = await resumeBuilds(options.ports, {
    ...(options.storeIsLocal ? { ownerAlive: () => false } : {}),
    include: (stall) => {
      if (stall.apply !== true || options.apply) return true;
      left.push(
        `${stall.workspace}: its build at ${short(stall.commit)} applies; \`infrastream run --apply\` resumes it`,
      );
      return false;
    },
  });
  const handled = new Set<string>();
  for (const { workspace, commit, sequence } of takenOver) {
    handled.add(workspace);
    resumed.push({ workspace, commit, sequence });
  }
  if (current !== null && deltas?.sequence === current.sequence) {
    for (const workspace of deltas.workspaces) {
      if (handled.has(workspace)) continue;
      if ((await buildDocument(state, workspace, current)) !== undefined) continue;
      // Requested by deltas, and lost with the run before the builds stage recorded them; a
      // run that plans only never stands in for one that applied.
      if (deltas.apply === true && !options.apply) {
        left.push(
          `${workspace}: its build at ${short(current.commit)} applies; \`infrastream run --apply\` resumes it`,
        );
        continue;
      }
      // The pointer alone: a builds message has no room for when the revision was recorded.
      requests.set(workspace, {
        commit: current.commit,
        sequence: current.sequence,
        apply: options.apply,
      });
      resumed.push({ workspace, commit: current.commit, sequence: current.sequence });
    }
  }
  for (const [revision, names] of groupByRevision(requests)) {
    for (const message of buildRequests(
      { repository: messageRepository(state), ...revision },
      names,
    )) {
      await bus.publish(BUILDS_TOPIC, message);
    }
  }
  return { stages, builds: resumed, left };
}

/** The workspace's build of that revision, unless it ended or another revision's replaced it. */
async function buildDocument(
  state: RepositoryState,
  workspace: string,
  revision: RevisionPointer,
): Promise<BuildDocument | undefined> {
  const build = (await state.store.get(state.paths.build(workspace, revision.commit))) as
    BuildDocument | undefined;
  if (build?.sequence !== revision.sequence) return undefined;
  return build;
}

/** Requests grouped by revision and mode, the workspaces of each in one list. */
function groupByRevision(
  requests: ReadonlyMap<string, RevisionPointer & { readonly apply: boolean }>,
): Map<RevisionPointer & { readonly apply: boolean }, string[]> {
  const groups = new Map<string, [RevisionPointer & { readonly apply: boolean }, string[]]>();
  for (const [workspace, revision] of requests) {
    const key = `${revision.commit} ${revision.sequence} ${revision.apply}`;
    const group = groups.get(key) ?? [revision, []];
    group[1].push(workspace);
    groups.set(key, group);
  }
  return new Map(groups.values());
}

/** The message that started a commit's stages, as the push made it. */
function commitMessage(state: RepositoryState, commit: CommitDocument): CommitMessage {
  return {
    version: 1,
    delivery: commit.delivery,
    repository: messageRepository(state),
    ref: commit.ref,
    commit: commit.commit,
    action: 'apply',
    forced: false,
    pusher: commit.pusher,
  };
}

function messageRepository(state: RepositoryState): CommitMessage['repository'] {
  const { owner, name, defaultBranch } = state.repository;
  return { owner, name, defaultBranch };
}

function short(commit: string): string {
  return commit.slice(0, 7);
}
