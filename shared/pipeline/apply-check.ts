import { atOrAfter, later } from '../core/pipeline/build-leases.ts';
import { formatApplyCheck, type ApplyCheck } from '../core/report/format-apply-check.ts';
import type { BuildDocument } from '../core/pipeline/workspace-documents.ts';
import type { MessageRepository } from '../core/contracts/fields.ts';
import { governedState, type RepositoryState } from './repository-state.ts';
import type { PipelinePorts } from './stage.ts';

/** The check a revision's apply is reported as, on the default branch. */
export const APPLY_CHECK = 'infrastream/apply';

/** How long an instance editing the check holds it, should it stop halfway. */
const CLAIM_SECONDS = 60;

/** `commits/{sha}/checks/{name}`: who is editing the check, and whether it changed since. */
interface CheckDocument {
  /** While in the future, an instance is editing the check run. */
  readonly claimedUntil: string | null;
  /** The builds changed while it was: it edits the check run again before it lets go. */
  readonly dirty: boolean;
}

/**
 * Reports the `infrastream/apply` check of a recorded commit whose builds apply, computed
 * whole from its workspaces' build documents; does nothing for a commit that applies
 * nothing. Notifications arriving together are folded into few edits: one instance claims
 * the check and edits it, the others only mark it changed, and the claimer edits it again
 * until nothing changed meanwhile. A completed check is always reported at once (and marks
 * the check changed, so that a claimer's older edit is followed by it again). The reporter
 * edits the same check run each time.
 */
export async function reportApplyCheck(
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository' | 'reporter'>,
  repository: MessageRepository,
  commit: string,
): Promise<void> {
  const state = governedState(ports, repository);
  const path = state.paths.check(commit, APPLY_CHECK);
  const claim = (mark: 'claim' | 'release') =>
    ports.store.transact(async (transaction) => {
      const stored = (await transaction.get(path)) as CheckDocument | undefined;
      const now = state.now();
      const held = stored?.claimedUntil != null && !atOrAfter(now, stored.claimedUntil);
      if (mark === 'claim' && held) {
        transaction.set(path, { claimedUntil: stored.claimedUntil, dirty: true });
        return false;
      }
      if (mark === 'release' && stored?.dirty === true) {
        transaction.set(path, { claimedUntil: later(now, CLAIM_SECONDS), dirty: false });
        return true;
      }
      transaction.set(path, {
        claimedUntil: mark === 'claim' ? later(now, CLAIM_SECONDS) : null,
        dirty: false,
      });
      return mark === 'claim';
    });

  const first = await applyCheck(ports, state, commit);
  if (first === undefined) return;
  if (first.status === 'completed') {
    await ports.store.transact(async (transaction) => {
      const stored = (await transaction.get(path)) as CheckDocument | undefined;
      transaction.set(path, { claimedUntil: stored?.claimedUntil ?? null, dirty: true });
    });
    await send(ports, repository, commit, first);
    return;
  }
  if (!(await claim('claim'))) return;
  let check: ApplyCheck | undefined = first;
  do {
    await send(ports, repository, commit, check);
    check = (await claim('release')) ? await applyCheck(ports, state, commit) : undefined;
  } while (check !== undefined);
}

/** The commit's apply check, or undefined when it applies nothing. */
async function applyCheck(
  ports: Pick<PipelinePorts, 'store'>,
  state: RepositoryState,
  commit: string,
): Promise<ApplyCheck | undefined> {
  const deltas = (await state.commit(commit))?.stages.deltas;
  if (deltas?.apply !== true) return undefined;
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
