import type { MessageRepository } from '../core/contracts/fields.ts';
import type { ReleaseApproval } from '../core/pipeline/release-holds.ts';
import { requestHeldBuilds } from './release-gate.ts';
import { governedState, toData } from './repository-state.ts';
import type { PipelinePorts } from './stage.ts';

/** What an approval came to. */
export type ApprovalResult =
  /** Recorded; `requested`: the held workspaces builds was asked for again. */
  | { readonly kind: 'recorded'; readonly login: string; readonly requested: readonly string[] }
  /** Nothing recorded, and `detail` says why. */
  | { readonly kind: 'none'; readonly detail: string };

/**
 * Records `login`'s approval of the release of `commit`, a recorded revision that applies,
 * and asks builds again for its held workspaces (a workspace built at a newer revision since
 * is superseded, never built back): whether the approval counts for a stage
 * (the login is one of its stakeholders and not the pusher) is the builds stage's decision,
 * from the revision's own people and groups, so an approval by anyone else releases
 * nothing. With `stage`, it is an operator's explicit release of that stage
 * (`infrastream release`). Both are kept under the commit, so an approval binds to that
 * revision only, and recorded in the audit trail with who gave it.
 */
export async function approveRelease(
  ports: Pick<PipelinePorts, 'store' | 'publisher' | 'clock' | 'repository'>,
  repository: MessageRepository,
  commit: string,
  approval: { readonly login: string; readonly delivery?: string; readonly stage?: string },
): Promise<ApprovalResult> {
  const state = governedState(ports, repository);
  const deltas = (await state.commit(commit))?.stages.deltas;
  if (deltas?.apply !== true || deltas.refused !== undefined) {
    return {
      kind: 'none',
      detail: `${commit.slice(0, 7)} is not a recorded revision that applies: there is nothing of it to release`,
    };
  }
  const login = approval.login.toLowerCase();
  const at = state.now();
  // The sequence binds the approval to this recording of the commit: a forced push back to
  // it records it anew, and what was approved then is not approved again.
  const document: ReleaseApproval & { readonly sequence: number; readonly delivery?: string } = {
    login,
    at,
    sequence: deltas.sequence,
    ...(approval.stage === undefined ? {} : { stage: approval.stage }),
    ...(approval.delivery === undefined ? {} : { delivery: approval.delivery }),
  };
  const what = approval.stage === undefined ? 'approved' : `released stage ${approval.stage} of`;
  await state.store.transact(async (transaction) => {
    const path =
      approval.stage === undefined
        ? state.paths.approval(commit, login)
        : state.paths.approval(commit, `${login} ${approval.stage}`);
    transaction.set(path, toData(document));
    state.event(transaction, `approval ${commit} ${login} ${approval.stage ?? ''}`, {
      at,
      type: approval.stage === undefined ? 'release-approved' : 'release-forced',
      commit,
      actor: login,
      ...(approval.delivery === undefined ? {} : { delivery: approval.delivery }),
      message: `${login} ${what} revision ${deltas.sequence} (${commit.slice(0, 7)})`,
    });
    await Promise.resolve();
  });
  const requested = await requestHeldBuilds(ports, repository, commit);
  return { kind: 'recorded', login, requested };
}
