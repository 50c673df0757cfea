import {
  BUILD_SUBSTITUTIONS,
  CLOUD_BUILDS_TOPIC,
  decodeBuildNotification,
  FINAL_BUILD_STATES,
  type BuildNotification,
} from '../core/contracts/build-notification.ts';
import { BUILDS_TOPIC, type BuildRequestMessage } from '../core/contracts/build-request-message.ts';
import { isGovernedRepository } from '../core/pipeline/governed-repository.ts';
import { governedState, toData } from './repository-state.ts';
import { buildRecord, workspaceDocument } from './builds-stage.ts';
import { rejectedMessage, type PipelinePorts, type Stage } from './stage.ts';
import type { BuildDocument, RepositoryDocument, WorkspaceDocument } from './state-documents.ts';

/** The pipeline's facts about a build, from the substitutions it was started with. */
interface PipelineBuild {
  readonly owner: string;
  readonly name: string;
  /** Absent from builds started before builds carried it. */
  readonly id?: number;
  readonly workspace: string;
  readonly commit: string;
  readonly sequence: number;
  readonly apply: boolean;
}

/**
 * The build-status stage: records what Cloud Build says about a build, and when it ends,
 * frees the workspace for the next build. Only a successful apply advances the workspace's
 * applied revision, and never backwards: an older build that ends after a newer one changes
 * nothing. Notifications of builds that are not the pipeline's, or of another repository's
 * (Cloud Build notifies every build of the project), are ignored.
 */
export function createBuildStatusStage(
  ports: Pick<PipelinePorts, 'store' | 'publisher' | 'clock' | 'repository'>,
): Stage {
  return async (data) => {
    const decoded = decodeBuildNotification(data);
    if (!decoded.ok) return rejectedMessage(CLOUD_BUILDS_TOPIC, decoded.issues);
    const notification = decoded.message;
    const build = pipelineBuild(notification);
    if (build === undefined) return { status: 'skipped', detail: 'not a pipeline build' };
    if (!isGovernedRepository(ports.repository, build)) {
      return { status: 'skipped', detail: `a build of ${build.owner}/${build.name}` };
    }
    const state = governedState(ports, { owner: build.owner, name: build.name, defaultBranch: '' });
    const repository = (await ports.store.get(state.paths.repository)) as
      RepositoryDocument | undefined;
    if (repository === undefined) {
      return { status: 'rejected', detail: `no repository ${build.owner}/${build.name}` };
    }
    const final = FINAL_BUILD_STATES.has(notification.status);

    const outcome = await ports.store.transact(async (transaction) => {
      const workspace = await workspaceDocument(state, build.workspace, transaction);
      const stored = (await transaction.get(state.paths.build(build.workspace, build.commit))) as
        BuildDocument | undefined;
      const before = stored?.status;
      // Final already, or the document is now about a later build of the same commit.
      if (
        (before !== undefined && FINAL_BUILD_STATES.has(before as never)) ||
        (stored !== undefined && stored.sequence !== build.sequence)
      ) {
        return { changed: false, workspace };
      }
      const updated = {
        ...buildRecord(
          state,
          build,
          notification.status,
          stored?.reason ?? null,
          notification.id,
          notification.logUrl ?? stored?.logUrl ?? null,
        ),
        ...(notification.finishTime === undefined ? {} : { finishedAt: notification.finishTime }),
      };
      transaction.set(state.paths.build(build.workspace, build.commit), toData(updated));
      if (!final) return { changed: true, workspace };

      const applied = workspace.lastApplied;
      const advances =
        notification.status === 'SUCCESS' &&
        build.apply &&
        (applied === null || build.sequence > applied.sequence);
      const next: WorkspaceDocument = {
        ...workspace,
        running:
          workspace.running?.commit === build.commit &&
          workspace.running.sequence === build.sequence
            ? null
            : workspace.running,
        lastApplied: advances
          ? { commit: build.commit, sequence: build.sequence, build: notification.id }
          : applied,
        updatedAt: state.now(),
      };
      transaction.set(state.paths.workspace(build.workspace), toData(next));
      state.event(
        transaction,
        `build ${build.workspace} ${build.commit} ${build.sequence} ${notification.status}`,
        {
          type: advances ? 'workspace-applied' : 'build-finished',
          commit: build.commit,
          workspace: build.workspace,
          message: advances
            ? `${build.workspace} applied at revision ${build.sequence} (${build.commit.slice(0, 7)}) by build ${notification.id}`
            : `build ${notification.id} of ${build.workspace} at ${build.commit.slice(0, 7)} ended ${notification.status}`,
        },
      );
      return { changed: true, workspace: next };
    });

    // Also on a repeated notification: a crash after the transaction above must not leave
    // the queued revision waiting forever.
    const { pending, running } = outcome.workspace;
    if (final && running === null && pending !== null) {
      const next: BuildRequestMessage = {
        version: 2,
        repository: {
          owner: build.owner,
          name: build.name,
          defaultBranch: repository.defaultBranch,
        },
        workspaces: [build.workspace],
        commit: pending.commit,
        sequence: pending.sequence,
        apply: build.apply,
      };
      await ports.publisher.publish(BUILDS_TOPIC, next);
    }
    if (!outcome.changed)
      return { status: 'repeated', detail: `build ${notification.id} already recorded` };
    return { status: 'done', detail: `build ${notification.id} ${notification.status}` };
  };
}

/** The workspace and revision a build was started for, or undefined for other builds. */
function pipelineBuild(notification: BuildNotification): PipelineBuild | undefined {
  const value = (key: keyof typeof BUILD_SUBSTITUTIONS) =>
    notification.substitutions[BUILD_SUBSTITUTIONS[key]];
  const repository = value('repository')?.split('/');
  const workspace = value('workspace');
  const commit = value('commit');
  const sequence = Number(value('sequence'));
  if (repository?.length !== 2 || workspace === undefined || commit === undefined) return undefined;
  if (!Number.isInteger(sequence) || sequence < 1) return undefined;
  const [owner, name] = repository as [string, string];
  const id = value('repositoryId');
  return {
    owner,
    name,
    ...(id === undefined ? {} : { id: Number(id) }),
    workspace,
    commit,
    sequence,
    apply: value('apply') === 'true',
  };
}
