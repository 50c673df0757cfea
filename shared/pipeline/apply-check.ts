import { atOrAfter, later } from '../core/pipeline/build-leases.ts';
import { formatApplyCheck, type ApplyCheck } from '../core/report/format-apply-check.ts';
import type { BuildDocument } from '../core/pipeline/workspace-documents.ts';
import type { MessageRepository } from '../core/contracts/fields.ts';
import { governedState, type RepositoryState } from './repository-state.ts';
import type { PipelinePorts } from './stage.ts';
import type { DeltasStage } from './state-documents.ts';

/** The check a revision's apply is reported as, on the default branch. */
export const APPLY_CHECK = 'infrastream/apply';

/** How long an instance editing the check holds it, should it stop halfway. */
const CLAIM_SECONDS = 60;

/** `commits/{sha}/checks/{name}`: who is editing the check, and whether it changed since. */
interface CheckDocument {
  /** The message whose handler is editing the check run, until `claimedUntil`. */
  readonly claimedBy: string | null;
  readonly claimedUntil: string | null;
  /** The builds changed while it was: it edits the check run again before it lets go. */
  readonly dirty: boolean;
}

/**
 * Reports the `infrastream/apply` check of a recorded commit whose builds apply, computed
 * whole from its workspaces' build documents; does nothing for a commit that applies
 * nothing, or whose plan refuses it (the plan check says why). Notifications arriving together are folded into few edits, one at a time: the
 * handler of one (`claimant`, the message) claims the check and edits it; the others only
 * mark it changed, and the claimer reads the builds and edits it again until nothing changed
 * meanwhile. Only the claimer reads the builds. A claimer that stops halfway is taken over
 * once its claim expires, or at once by the redelivery of its own message. The reporter
 * edits the same check run each time.
 */
export async function reportApplyCheck(
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository' | 'reporter'>,
  repository: MessageRepository,
  commit: string,
  claimant: string,
): Promise<void> {
  const state = governedState(ports, repository);
  const deltas = (await state.commit(commit))?.stages.deltas;
  if (deltas?.apply !== true || deltas.refused !== undefined) return;
  const path = state.paths.check(commit, APPLY_CHECK);
  /** Whether this handler is to edit the check run (again). */
  const turn = (step: 'claim' | 'release') =>
    ports.store.transact(async (transaction) => {
      const stored = (await transaction.get(path)) as CheckDocument | undefined;
      const now = state.now();
      const mine = stored === undefined || stored.claimedBy === claimant;
      const held = !mine && stored.claimedUntil !== null && !atOrAfter(now, stored.claimedUntil);
      if (step === 'claim' && held) {
        transaction.set(path, { ...stored, dirty: true });
        return false;
      }
      // Taken over while this one was editing: the taker edits it from now on.
      if (step === 'release' && !mine) return false;
      const again = step === 'claim' || stored?.dirty === true;
      transaction.set(path, {
        claimedBy: again ? claimant : null,
        claimedUntil: again ? later(now, CLAIM_SECONDS) : null,
        dirty: false,
      });
      return again;
    });
  if (!(await turn('claim'))) return;
  do {
    await send(ports, repository, commit, await applyCheck(ports, state, commit, deltas));
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
  });
}
