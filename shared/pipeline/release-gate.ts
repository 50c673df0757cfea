import { BUILDS_TOPIC, buildRequests } from '../core/contracts/build-request-message.ts';
import type { MessageRepository } from '../core/contracts/fields.ts';
import {
  releaseHolds,
  type ReleaseApproval,
  type ReleaseDecision,
} from '../core/pipeline/release-holds.ts';
import { releaseStages, type ReleaseStage } from '../core/pipeline/release-stages.ts';
import type { BuildDocument, BuildDocumentStatus } from '../core/pipeline/workspace-documents.ts';
import { classifyFailure } from '../ports/classify-failure.ts';
import { governedState, toData, type RepositoryState } from './repository-state.ts';
import type { LoadedRevision } from './revision-loader.ts';
import { TransientError, type PipelinePorts } from './stage.ts';

/** A revision of the governed repository, as a `builds` message names it. */
interface GatedRevision {
  readonly repository: MessageRepository;
  readonly commit: string;
  readonly sequence: number;
  readonly snapshot?: string | undefined;
}

/**
 * Which of `workspaces` the revision's release tracks hold (see `releaseHolds`), for the
 * builds stage before it hands them to their queues. Reads the revision's stages from its
 * desired state, the builds of its earlier stages and its approvals; the stage events (a
 * stage released by approval) are recorded. A message about workspaces no stage orders
 * reads nothing more. Throws a transient error while the revision's affected workspaces are
 * not recorded yet: deltas requests the builds before it records them.
 */
export async function releaseDecision(
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository' | 'revisions'>,
  revision: GatedRevision,
  workspaces: readonly string[],
): Promise<ReleaseDecision> {
  const state = governedState(ports, revision.repository);
  let loaded: LoadedRevision;
  try {
    loaded = await ports.revisions.load(revision.repository, revision.commit, {
      snapshot: revision.snapshot,
    });
  } catch (error) {
    // A revision that can never be read builds nothing: the builds stage records each of its
    // workspaces as refused when it fails to read it in turn, and lets them go.
    if (classifyFailure(error).kind === 'permanent') return { held: new Map(), stages: [] };
    throw error;
  }
  const requested = new Set(workspaces);
  const everyStage = releaseStages(loaded.analysis.state, loaded.analysis.state.workspaces);
  const concerned = everyStage.some(
    (stage) =>
      stage.workspaces.some((workspace) => requested.has(workspace)) &&
      (stage.position > 1 || stage.approval !== undefined),
  );
  if (!concerned) return { held: new Map(), stages: [] };
  const commit = await state.commit(revision.commit);
  const deltas = commit?.stages.deltas;
  if (deltas?.sequence !== revision.sequence) {
    throw new TransientError(
      `the affected workspaces of revision ${revision.sequence} are not recorded yet: its release stages wait for them`,
    );
  }
  const own = releaseStages(loaded.analysis.state, deltas.workspaces);
  const stages = [
    ...own,
    ...(await acceptedStages(ports, revision, deltas.base, deltas.workspaces, own)),
  ];
  const outcomes = await buildStatuses(state, revision, deltas.workspaces);
  const approvals = (await ports.store.list(state.paths.approvals(revision.commit)))
    .map((entry) => entry.data as unknown as ReleaseApproval & { readonly sequence?: number })
    .filter((approval) => approval.sequence === revision.sequence);
  return releaseHolds({
    stages,
    outcomes,
    approvals,
    ...(commit === undefined ? {} : { pusher: commit.pusher }),
  });
}

/**
 * The stages the last accepted revision gave `workspaces`, its approvers with them, beside
 * the revision's own: a revision may not loosen the gate it passes through (drop a policy,
 * move a stage earlier, add its author to the stakeholders), so a workspace waits for both.
 * A stage the two declare alike is counted once.
 */
async function acceptedStages(
  ports: Pick<PipelinePorts, 'revisions'>,
  revision: GatedRevision,
  base: string | null | undefined,
  workspaces: readonly string[],
  own: readonly ReleaseStage[],
): Promise<ReleaseStage[]> {
  if (typeof base !== 'string' || base === revision.commit) return [];
  const declared = new Set(own.map((stage) => JSON.stringify(stage)));
  const accepted = (await ports.revisions.load(revision.repository, base)).analysis.state;
  return releaseStages(accepted, workspaces).filter(
    (stage) => !declared.has(JSON.stringify(stage)),
  );
}

async function buildStatuses(
  state: RepositoryState,
  revision: GatedRevision,
  workspaces: readonly string[],
): Promise<Map<string, BuildDocumentStatus>> {
  const builds = (await state.store.getAll(
    workspaces.map((workspace) => state.paths.build(workspace, revision.commit)),
  )) as (BuildDocument | undefined)[];
  return new Map(
    builds.flatMap((build) =>
      build?.sequence === revision.sequence ? [[build.workspace, build.status] as const] : [],
    ),
  );
}

/**
 * Records the holds of `decision` over `workspaces` in one transaction: a workspace that has
 * no build of the revision yet, or one held, gets a `held` build document saying why and an
 * event the first time each hold applies to it. Returns the workspaces it held; the others
 * (a build started meanwhile) go to their queues as usual.
 */
export async function recordHolds(
  state: RepositoryState,
  revision: GatedRevision & { readonly apply: boolean },
  decision: ReleaseDecision,
  workspaces: readonly string[],
): Promise<Set<string>> {
  const candidates = workspaces.filter((workspace) => decision.held.has(workspace));
  if (candidates.length === 0) return new Set();
  const at = state.now();
  return state.store.transact(async (transaction) => {
    const stored = (await transaction.getAll(
      candidates.map((workspace) => state.paths.build(workspace, revision.commit)),
    )) as (BuildDocument | undefined)[];
    const held = new Set<string>();
    candidates.forEach((workspace, index) => {
      const build = stored[index];
      const hold = decision.held.get(workspace);
      if (hold === undefined) return;
      // A document of another sequence is an earlier recording of this commit (a forced
      // push back to it): it neither builds nor releases this one, which is held anew.
      const mine = build?.sequence === revision.sequence;
      if (mine && build.status !== 'held') return;
      held.add(workspace);
      if (mine && build.reason === hold.reason) return;
      const document: BuildDocument = {
        workspace,
        commit: revision.commit,
        sequence: revision.sequence,
        apply: revision.apply,
        status: 'held',
        build: null,
        logUrl: null,
        reason: hold.reason,
        hold: { kind: hold.kind, stage: hold.stage },
        updatedAt: at,
      };
      transaction.set(state.paths.build(workspace, revision.commit), toData(document));
      state.event(
        transaction,
        `held ${workspace} ${revision.commit} ${revision.sequence} ${hold.kind}`,
        {
          at,
          type: 'release-held',
          commit: revision.commit,
          workspace,
          message: `${workspace} at revision ${revision.sequence} (${revision.commit.slice(0, 7)}) is ${hold.reason}`,
        },
      );
    });
    return held;
  });
}

/**
 * Records the stages of the decision that approvals released, once each: who released it
 * is the event's actor.
 */
export async function recordReleases(
  state: RepositoryState,
  revision: GatedRevision,
  decision: ReleaseDecision,
): Promise<void> {
  const released = decision.stages.filter(
    (stage) => stage.state === 'released' && stage.approvedBy.length > 0,
  );
  if (released.length === 0) return;
  await state.store.transact(async (transaction) => {
    for (const stage of released) {
      state.event(transaction, `released ${stage.stage} ${revision.commit} ${revision.sequence}`, {
        type: 'stage-released',
        commit: revision.commit,
        actor: stage.approvedBy.join(', '),
        message: `stage ${stage.stage} of revision ${revision.sequence} (${revision.commit.slice(0, 7)}) is released, approved by ${stage.approvedBy.join(', ')}`,
      });
    }
    await Promise.resolve();
  });
}

/**
 * Asks the builds stage again for the held workspaces of `commit`, a recorded revision that
 * applies: the builds stage decides which its stages now let start, and each workspace's
 * queue supersedes the request when a newer revision of it was built since. For
 * build-status once a build of the revision ended, an approval, an operator's release and a
 * sweep. Returns the workspaces asked for.
 */
export async function requestHeldBuilds(
  ports: Pick<PipelinePorts, 'store' | 'publisher' | 'clock' | 'repository'>,
  repository: MessageRepository,
  commit: string,
): Promise<string[]> {
  const state = governedState(ports, repository);
  const deltas = (await state.commit(commit))?.stages.deltas;
  if (deltas?.apply !== true || deltas.refused !== undefined) return [];
  const builds = (await ports.store.getAll(
    deltas.workspaces.map((workspace) => state.paths.build(workspace, commit)),
  )) as (BuildDocument | undefined)[];
  const held = builds
    .filter((build): build is BuildDocument => build?.sequence === deltas.sequence)
    .filter((build) => build.status === 'held')
    .map((build) => build.workspace);
  const named = {
    owner: repository.owner,
    name: repository.name,
    defaultBranch: repository.defaultBranch,
  };
  const messages = buildRequests(
    { repository: named, commit, sequence: deltas.sequence, apply: true },
    held,
  );
  await Promise.all(messages.map((message) => ports.publisher.publish(BUILDS_TOPIC, message)));
  return held;
}
