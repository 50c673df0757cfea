import {
  PULL_REQUESTS_TOPIC,
  type PullRequestMessage,
} from '../shared/core/contracts/pull-request-message.ts';
import {
  formatGovernedRepository,
  isGovernedRepository,
} from '../shared/core/pipeline/governed-repository.ts';
import type { ReceivedDelivery } from '../shared/ports/delivery-store.ts';
import type { VerifiedPullRequest, WebhookReply } from './delivery-verifier.ts';
import { fromStore, type PushAdmissionOptions } from './push-admission.ts';

/**
 * Creates the admission of verified pull-request and review events: held to the repository
 * binding as pushes are (by GitHub's id: a fork or a namesake is refused with a 403 and
 * recorded as refused), deduplicated by delivery id, and published as one `pull-requests`
 * message of references for the consent stage.
 */
export function createPullRequestAdmission(
  options: PushAdmissionOptions,
): (verified: VerifiedPullRequest) => Promise<WebhookReply> {
  const { repository: governed, deliveries, publisher } = options;
  if (governed.id === undefined) {
    throw new Error("ingest: the governed repository must be named with GitHub's id");
  }
  return async ({ delivery, event, pullRequest }) => {
    const named = {
      owner: pullRequest.repository.owner.login,
      name: pullRequest.repository.name,
      id: pullRequest.repository.id,
    };
    const received: ReceivedDelivery = {
      event,
      repository: `${named.owner}/${named.name}`,
      repositoryId: named.id,
      ref: `refs/pull/${String(pullRequest.number)}/head`,
      after: '',
    };
    if (!isGovernedRepository(governed, named)) {
      const reason = `${formatGovernedRepository(named)} is not the repository this pipeline governs`;
      const recorded = await fromStore(
        deliveries.refuse(delivery, { ...received, refused: reason }),
      );
      if ('unavailable' in recorded) return recorded.unavailable;
      return {
        status: 403,
        body: {
          error: 'not the repository this pipeline governs',
          repository: formatGovernedRepository(named),
        },
      };
    }
    const claim = await fromStore(deliveries.claim(delivery, received));
    if ('unavailable' in claim) return claim.unavailable;
    if (claim.value === 'duplicate') return { status: 200, body: { duplicate: true } };
    const message: PullRequestMessage = {
      version: 1,
      delivery,
      repository: { ...named, defaultBranch: pullRequest.repository.default_branch },
      number: pullRequest.number,
      event: `${event} ${pullRequest.action}`,
    };
    try {
      await publisher.publish(PULL_REQUESTS_TOPIC, message);
    } catch {
      // As for a push: GitHub's redelivery is accepted again, and its log shows the failure.
      await deliveries.release(delivery);
      return { status: 503, body: { error: 'could not publish' } };
    }
    return { status: 202, body: { accepted: true, action: 'consent' } };
  };
}
