import {
  BUILD_SUBSTITUTIONS,
  buildAttempt,
  FINAL_BUILD_STATES,
  CLOUD_BUILDS_TOPIC,
  decodeBuildNotification,
  type BuildNotification,
} from '../core/contracts/build-notification.ts';
import { BUILDS_TOPIC } from '../core/contracts/build-request-message.ts';
import { DEFAULT_LEASE_TERMS } from '../core/pipeline/build-leases.ts';
import { buildOutcomeDetails } from '../core/pipeline/build-outcome-details.ts';
import { isGovernedRepository } from '../core/pipeline/governed-repository.ts';
import { reportApplyCheck } from './apply-check.ts';
import { reportDriftBuild } from './drift-build-report.ts';
import { requestHeldBuilds } from './release-gate.ts';
import { governedState } from './repository-state.ts';
import { rejectedMessage, type PipelinePorts, type Stage } from './stage.ts';
import type { RepositoryDocument } from './state-documents.ts';
import { advanceQueues, publishRequests } from './workspace-queue-store.ts';

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
  /** Which build of the revision, from its tags. */
  readonly attempt: number;
  /** The drift sweep a refresh-only build belongs to; undefined for the builds that plan and apply. */
  readonly driftSweep?: string;
}

/**
 * The build-status stage: hands what Cloud Build says about a build to its workspace's
 * queue (`advanceWorkspaceQueue`), which records it, renews the lease of a build that runs
 * and, when the build ends, frees the workspace for the next build. Only a successful apply
 * advances the workspace's applied revision, and never backwards: an older build that ends
 * after a newer one changes nothing. Notifications of builds that are not the pipeline's, or
 * of another repository's (Cloud Build notifies every build of the project), are ignored.
 * The build's failed step, error and change counts go into its document, and the commit's
 * `infrastream/apply` check is edited to show where its builds stand. A build that ended asks
 * builds again for the revision's workspaces its release stages held: the next stage starts
 * once the earlier ones applied (and, where its policy says, were approved).
 */
export function createBuildStatusStage(
  ports: Pick<
    PipelinePorts,
    'store' | 'publisher' | 'clock' | 'repository' | 'builds' | 'reporter'
  >,
): Stage {
  const terms = ports.builds.leaseTerms ?? DEFAULT_LEASE_TERMS;
  return async (data) => {
    const decoded = decodeBuildNotification(data);
    if (!decoded.ok) return rejectedMessage(CLOUD_BUILDS_TOPIC, decoded.issues);
    const notification = decoded.message;
    const build = pipelineBuild(notification);
    if (build === undefined) return { status: 'skipped', detail: 'not a pipeline build' };
    if (!isGovernedRepository(ports.repository, build)) {
      return { status: 'skipped', detail: `a build of ${build.owner}/${build.name}` };
    }
    // Told apart by the substitution only drift builds carry, before anything reads the
    // queue: a refresh-only build is never mistaken for an apply, whatever else it says.
    if (build.driftSweep !== undefined)
      return reportDriftBuild(
        ports,
        { workspace: build.workspace, sweep: build.driftSweep },
        notification,
      );
    const state = governedState(ports, { owner: build.owner, name: build.name, defaultBranch: '' });
    const repository = (await ports.store.get(state.paths.repository)) as
      RepositoryDocument | undefined;
    if (repository === undefined) {
      return { status: 'rejected', detail: `no repository ${build.owner}/${build.name}` };
    }
    const { commit, sequence, apply, attempt } = build;
    const at = state.now();
    const steps = await ports.store.transact((transaction) =>
      advanceQueues(
        state,
        transaction,
        [
          {
            workspace: build.workspace,
            commit,
            event: {
              kind: 'notified',
              at,
              revision: { commit, sequence, apply },
              attempt,
              build: notification.id,
              status: notification.status,
              ...(notification.logUrl === undefined ? {} : { logUrl: notification.logUrl }),
              ...(notification.finishTime === undefined
                ? {}
                : { finishedAt: notification.finishTime }),
              details: buildOutcomeDetails(notification),
            },
          },
        ],
        terms,
      ),
    );
    const ref = { owner: build.owner, name: build.name, defaultBranch: repository.defaultBranch };
    // Also on a repeated notification: a crash after the transaction above must not leave
    // the queued revision waiting forever, nor the check run behind.
    await publishRequests((message) => ports.publisher.publish(BUILDS_TOPIC, message), ref, steps);
    // An end may release the revision's next stage, or hold it for a failure: builds decides.
    if (apply && FINAL_BUILD_STATES.has(notification.status)) {
      await requestHeldBuilds(ports, ref, commit);
    }
    if (apply)
      await reportApplyCheck(ports, ref, commit, `build ${notification.id} ${notification.status}`);
    if (steps[0]?.outcome.kind === 'repeated')
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
  const driftSweep = value('driftSweep');
  return {
    owner,
    name,
    ...(id === undefined ? {} : { id: Number(id) }),
    workspace,
    commit,
    sequence,
    apply: value('apply') === 'true',
    attempt: buildAttempt(notification.tags),
    ...(driftSweep === undefined ? {} : { driftSweep }),
  };
}
