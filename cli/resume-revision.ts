import type { BuildKey, LocalBuildService } from '../shared/adapters/local-build-service.ts';
import { BUILDS_TOPIC, buildRequests } from '../shared/core/contracts/build-request-message.ts';
import {
  DESIRED_STATE_TOPIC,
  MANIFESTS_TOPIC,
  type CommitMessage,
} from '../shared/core/contracts/commit-message.ts';
import type { RepositoryState } from '../shared/pipeline/repository-state.ts';
import type {
  BuildDocument,
  CommitDocument,
  RevisionPointer,
  WorkspaceDocument,
} from '../shared/pipeline/state-documents.ts';
import type { Publisher } from '../shared/ports/publisher.ts';

/** What a run found unfinished and handed to the pipeline again. */
export interface Resumption {
  /** The stages started again, such as `deltas of 1a2b3c4`. */
  readonly stages: readonly string[];
  /** Builds started again, or whose recorded outcome was published again. */
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
 * then no other process builds, and every build recorded as running was left by one that
 * ended.
 */
export async function resumeInterruptedWork(options: {
  readonly state: RepositoryState;
  readonly bus: Publisher;
  readonly builds: LocalBuildService;
  /** Whether this run applies: a build that applies is not resumed by one that does not. */
  readonly apply: boolean;
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
  const request = async (workspace: string, revision: RevisionPointer) => {
    const apply = (await buildDocument(state, workspace, revision))?.apply ?? options.apply;
    if (apply && !options.apply) {
      left.push(
        `${workspace}: its build at ${short(revision.commit)} applies; \`infrastream run --apply\` resumes it`,
      );
      return;
    }
    const { commit, sequence } = revision;
    requests.set(workspace, { commit, sequence, apply });
    resumed.push({ workspace, commit, sequence });
  };
  const workspaces = (await state.store.list(state.paths.workspaces)).map(
    (entry) => entry.data as unknown as WorkspaceDocument,
  );
  const handled = new Set<string>();
  for (const { id, running } of orphanedBuilds(workspaces)) {
    handled.add(id);
    const build = { workspace: id, commit: running.commit, sequence: running.sequence };
    // A build that ended before its outcome was recorded is not run again: its outcome is.
    if (await options.builds.redeliver(build)) resumed.push(build);
    else if (running.build === null) await request(id, running);
    else {
      left.push(
        `${id}: build ${running.build} at ${short(running.commit)} was started, and its outcome is not in the builds folder; push again to build it`,
      );
    }
  }
  for (const { id, running, pending } of workspaces) {
    if (running !== null || pending === null) continue;
    // Freed without the message that starts what waited behind it.
    handled.add(id);
    await request(id, pending);
  }
  if (current !== null && deltas?.sequence === current.sequence) {
    for (const workspace of deltas.workspaces) {
      if (handled.has(workspace)) continue;
      const build = await buildDocument(state, workspace, current);
      if (build === undefined) await request(workspace, current);
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

/**
 * The workspaces whose running build no process is building any more. The caller holds the
 * state folder's lock, so that is every running build: none of them can be another's.
 */
function orphanedBuilds(
  workspaces: readonly WorkspaceDocument[],
): (WorkspaceDocument & { readonly running: NonNullable<WorkspaceDocument['running']> })[] {
  return workspaces.flatMap((workspace) =>
    workspace.running === null ? [] : [{ ...workspace, running: workspace.running }],
  );
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
