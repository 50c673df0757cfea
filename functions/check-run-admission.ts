import type { GovernedRepository } from '../shared/core/pipeline/governed-repository.ts';
import { formatGovernedRepository } from '../shared/core/pipeline/governed-repository.ts';
import { APPLY_CHECK } from '../shared/pipeline/apply-check.ts';
import { APPROVE_RELEASE_ACTION } from '../shared/core/report/format-apply-check.ts';
import { approveRelease } from '../shared/pipeline/approve-release.ts';
import { requestRetries } from '../shared/pipeline/retry-builds.ts';
import type { Clock } from '../shared/ports/clock.ts';
import type { DeliveryStore } from '../shared/ports/delivery-store.ts';
import type { DocumentStore } from '../shared/ports/document-store.ts';
import type { Publisher } from '../shared/ports/publisher.ts';
import type { VerifiedCheckRun, WebhookReply } from './delivery-verifier.ts';
import { fromStore } from './push-admission.ts';

/** What re-running a check needs: the governed repository, the state and the bus. */
export interface CheckRunAdmissionOptions {
  readonly repository: GovernedRepository;
  readonly deliveries: DeliveryStore;
  readonly store: DocumentStore;
  readonly publisher: Publisher;
  readonly clock: Clock;
  /** The App's id: a check run of another app with the same name is not the App's to re-run. */
  readonly appId: number;
}

/**
 * Answers GitHub's "Re-run" of the `infrastream/apply` check (`check_run.rerequested`): the
 * workspaces whose build of that commit failed are requested again as new attempts, when
 * the commit is still the current revision (see `requestRetries`). Its **Approve release**
 * button (`check_run.requested_action`) records the sender's approval of the revision's
 * held stages and asks builds for them again (see `approveRelease`): whether the login is a
 * stakeholder of a stage is decided there, from the revision's people and groups. Other check runs, other
 * apps' and other actions are acknowledged and ignored; a redelivery is a duplicate, never a
 * second retry. A delivery store that is unavailable answers 503, for GitHub to send again.
 */
export function createCheckRunAdmission(
  options: CheckRunAdmissionOptions,
): (verified: VerifiedCheckRun) => Promise<WebhookReply> {
  const { repository, deliveries, store, publisher, clock, appId } = options;
  return async ({ delivery, checkRun }) => {
    const { action, check_run: run, repository: named } = checkRun;
    const approving =
      action === 'requested_action' &&
      checkRun.requested_action?.identifier === APPROVE_RELEASE_ACTION &&
      checkRun.sender !== undefined;
    if ((action !== 'rerequested' && !approving) || run.name !== APPLY_CHECK) {
      return { status: 202, body: { ignored: true, event: 'check_run', action, name: run.name } };
    }
    if (run.app.id !== appId) {
      return { status: 202, body: { ignored: true, event: 'check_run', app: run.app.id } };
    }
    const received = {
      event: 'check_run',
      repository: `${named.owner.login}/${named.name}`,
      repositoryId: named.id,
      ref: `refs/heads/${named.default_branch}`,
      after: run.head_sha,
    };
    if (named.id !== repository.id) {
      const other = formatGovernedRepository({
        owner: named.owner.login,
        name: named.name,
        id: named.id,
      });
      const recorded = await fromStore(
        deliveries.refuse(delivery, {
          ...received,
          refused: `${other} is not the repository this pipeline governs`,
        }),
      );
      if ('unavailable' in recorded) return recorded.unavailable;
      return {
        status: 403,
        body: { error: 'not the repository this pipeline governs', repository: other },
      };
    }
    const claim = await fromStore(deliveries.claim(delivery, received));
    if ('unavailable' in claim) return claim.unavailable;
    if (claim.value === 'duplicate') return { status: 200, body: { duplicate: true } };
    const governed = {
      owner: named.owner.login,
      name: named.name,
      defaultBranch: named.default_branch,
    };
    if (approving) {
      try {
        const approval = await approveRelease(
          { store, publisher, clock, repository },
          governed,
          run.head_sha,
          { login: checkRun.sender?.login ?? '', delivery },
        );
        return approval.kind === 'recorded'
          ? { status: 202, body: { approved: approval.login, requested: approval.requested } }
          : { status: 200, body: { approved: null, reason: approval.detail } };
      } catch (error) {
        await deliveries.release(delivery);
        return {
          status: 503,
          body: { error: 'could not record the approval' },
          detail: (error as Error).message,
        };
      }
    }
    try {
      const retried = await requestRetries(
        { store, publisher, clock, repository },
        { owner: named.owner.login, name: named.name, defaultBranch: named.default_branch },
        run.head_sha,
      );
      return retried.kind === 'requested'
        ? { status: 202, body: { retried: retried.workspaces } }
        : { status: 200, body: { retried: [], reason: retried.detail } };
    } catch (error) {
      // Nothing or part was requested: the redelivery is accepted and requests the rest.
      await deliveries.release(delivery);
      return {
        status: 503,
        body: { error: 'could not request the builds again' },
        detail: (error as Error).message,
      };
    }
  };
}
