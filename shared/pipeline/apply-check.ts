import {
  checkClaimTransition,
  type CheckClaim,
  type CheckClaimStep,
} from '../core/pipeline/check-claim.ts';
import { formatApplyCheck, type ApplyCheck } from '../core/report/format-apply-check.ts';
import type { BuildDocument } from '../core/pipeline/workspace-documents.ts';
import type { MessageRepository } from '../core/contracts/fields.ts';
import { governedState, type RepositoryState } from './repository-state.ts';
import type { PipelinePorts } from './stage.ts';
import type { DeltasStage } from './state-documents.ts';

/** The check a revision's apply is reported as, on the default branch. */
export const APPLY_CHECK = 'infrastream/apply';

/**
 * Reports the `infrastream/apply` check of a recorded commit whose builds apply, computed
 * whole from its workspaces' build documents; does nothing for a commit that applies
 * nothing, or whose plan refuses it (the plan check says why). Notifications arriving together are folded into few edits, one at a time: the
 * handler of one (`claimant`, the message) claims the check and edits it; the others only
 * mark it changed, and the claimer reads the builds and edits it again until nothing changed
 * meanwhile. Only the claimer reads the builds. A claimer that stops halfway is taken over
 * once its claim expires, or at once by the redelivery of its own message; one whose edit
 * fails lets go and leaves the check dirty, for the next handler (see `checkClaimTransition`).
 * The reporter edits the same check run each time.
 */
export function reportApplyCheck(
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository' | 'reporter'>,
  repository: MessageRepository,
  commit: string,
  claimant: string,
): Promise<void> {
  return editApplyCheck(ports, repository, commit, claimant, 'claim');
}

/** How many revisions before a new one have their apply checks finished by its deltas. */
const FINISHED_REVISIONS = 10;

/**
 * Finishes the apply checks of the revisions before `sequence` whose edit was left undone
 * (the claimer's message given up on, with no notification of the commit to come): edits
 * each one that is dirty and that no one holds. For the deltas stage of the next revision;
 * an edit that fails again leaves that check dirty and holds the new revision back in
 * nothing.
 */
export async function finishEarlierApplyChecks(
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository' | 'reporter'>,
  repository: MessageRepository,
  sequence: number,
  claimant: string,
): Promise<void> {
  const { paths } = governedState(ports, repository);
  const first = Math.max(1, sequence - FINISHED_REVISIONS);
  const revisions = await ports.store.getAll(
    Array.from({ length: sequence - first }, (_, index) => paths.revision(first + index)),
  );
  const commits = revisions
    .map((revision) => revision?.['commit'])
    .filter((commit) => typeof commit === 'string');
  const checks = (await ports.store.getAll(
    commits.map((commit) => paths.check(commit, APPLY_CHECK)),
  )) as (CheckClaim | undefined)[];
  for (const [index, commit] of commits.entries()) {
    if (checks[index]?.dirty !== true) continue;
    await editApplyCheck(ports, repository, commit, claimant, 'look').catch(() => undefined);
  }
}

async function editApplyCheck(
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository' | 'reporter'>,
  repository: MessageRepository,
  commit: string,
  claimant: string,
  first: 'claim' | 'look',
): Promise<void> {
  const state = governedState(ports, repository);
  const deltas = (await state.commit(commit))?.stages.deltas;
  if (deltas?.apply !== true || deltas.refused !== undefined) return;
  const path = state.paths.check(commit, APPLY_CHECK);
  /** Whether this handler is to edit the check run (again). */
  const turn = (step: CheckClaimStep) =>
    ports.store.transact(async (transaction) => {
      const stored = (await transaction.get(path)) as CheckClaim | undefined;
      const { next, edit } = checkClaimTransition(stored, step, claimant, state.now());
      if (next !== undefined) transaction.set(path, { ...next });
      return edit;
    });
  if (!(await turn(first))) return;
  do {
    try {
      await send(ports, repository, commit, await applyCheck(ports, state, commit, deltas));
    } catch (error) {
      // Let go at once: a redelivery of this message, or the next notification, edits it.
      await turn('failed');
      throw error;
    }
  } while (await turn('release'));
}

/** The commit's apply check, from its workspaces' build documents. */
async function applyCheck(
  ports: Pick<PipelinePorts, 'store'>,
  state: RepositoryState,
  commit: string,
  deltas: DeltasStage,
): Promise<ApplyCheck> {
  const builds = (await ports.store.getAll(
    deltas.workspaces.map((workspace) => state.paths.build(workspace, commit)),
  )) as (BuildDocument | undefined)[];
  return formatApplyCheck(
    deltas.workspaces,
    // A build of the commit recorded again (a forced push back) is another revision's.
    builds.map((build) => (build?.sequence === deltas.sequence ? build : undefined)),
  );
}

async function send(
  ports: Pick<PipelinePorts, 'reporter'>,
  repository: MessageRepository,
  commit: string,
  check: ApplyCheck,
): Promise<void> {
  await ports.reporter.report(repository, commit, {
    name: APPLY_CHECK,
    status: check.status,
    conclusion: check.conclusion,
    title: check.title,
    summary: check.summary,
    annotations: [],
    ...(check.detailsUrl === undefined ? {} : { detailsUrl: check.detailsUrl }),
    // Always sent: an edit without them would leave an approval button of before.
    actions: check.actions,
  });
}
