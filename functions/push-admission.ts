import {
  PULL_REQUESTS_TOPIC,
  type BaseMovedMessage,
} from '../shared/core/contracts/pull-request-message.ts';
import { PUSH_TOPIC, type PushMessage } from '../shared/core/contracts/push-message.ts';
import { classifyPush } from '../shared/core/pipeline/classify-push.ts';
import {
  formatGovernedRepository,
  type GovernedRepository,
} from '../shared/core/pipeline/governed-repository.ts';
import { classifyFailure } from '../shared/ports/classify-failure.ts';
import type { DeliveryStore, ReceivedDelivery } from '../shared/ports/delivery-store.ts';
import type { Publisher } from '../shared/ports/publisher.ts';
import type { VerifiedPush, WebhookReply } from './delivery-verifier.ts';

/** What admitting a push needs: the governed repository, the deliveries and the bus. */
export interface PushAdmissionOptions {
  /** The one repository whose pushes are processed, by GitHub's id. */
  readonly repository: GovernedRepository;
  readonly deliveries: DeliveryStore;
  readonly publisher: Publisher;
  /**
   * Whether a push of the default branch also asks the consent stage to evaluate the open
   * pull requests into it again (a `pull-requests` message): who may approve is read from it.
   */
  readonly pullRequests?: boolean;
}

/** Admits verified pushes: see {@link createPushAdmission}. */
export interface PushAdmission {
  /**
   * The answer to a push of another repository than the governed one, known without the
   * store; undefined for a push of the governed one.
   */
  refusal(verified: VerifiedPush): WebhookReply | undefined;
  /**
   * Records the delivery and publishes one `push` message of references; or records it as
   * refused; or finds it already recorded. A store that fails for a while (a lock held, a
   * backend away) is a 503 with the reason in `detail`; any other failure is thrown.
   * `claimed` runs once the delivery is recorded as new, before it is published.
   */
  admit(verified: VerifiedPush, claimed?: () => Promise<void>): Promise<WebhookReply>;
}

/**
 * Creates the stateful half of ingest: refuses a push of any repository but the governed one,
 * deduplicates by delivery id and publishes.
 */
export function createPushAdmission(options: PushAdmissionOptions): PushAdmission {
  const governedId = options.repository.id;
  if (governedId === undefined) {
    throw new Error("ingest: the governed repository must be named with GitHub's id");
  }
  const { deliveries, publisher } = options;

  /** The repository a push of another one names, else undefined. */
  const foreign = ({ push }: VerifiedPush): string | undefined =>
    // The id, not the name: a rename keeps it, while a fork, a repository created under a
    // freed name or another one the secret or the App also covers has another.
    push.repository.id === governedId
      ? undefined
      : formatGovernedRepository({
          owner: push.repository.owner.login,
          name: push.repository.name,
          id: push.repository.id,
        });

  const refusal = (verified: VerifiedPush): WebhookReply | undefined => {
    const named = foreign(verified);
    return named === undefined
      ? undefined
      : {
          status: 403,
          body: { error: 'not the repository this pipeline governs', repository: named },
        };
  };

  return {
    refusal,
    async admit(verified, claimed) {
      const { delivery, push } = verified;
      const received: ReceivedDelivery = {
        event: 'push',
        repository: `${push.repository.owner.login}/${push.repository.name}`,
        repositoryId: push.repository.id,
        ref: push.ref,
        after: push.after,
      };
      // Refused with a 403 that GitHub's delivery log shows, recorded so that no redelivery
      // of it is ever processed, and never published, so never parsed.
      const refused = refusal(verified);
      if (refused !== undefined) {
        const reason = `${String(foreign(verified))} is not the repository this pipeline governs`;
        const recorded = await fromStore(
          deliveries.refuse(delivery, { ...received, refused: reason }),
        );
        return 'unavailable' in recorded ? recorded.unavailable : refused;
      }

      const claim = await fromStore(deliveries.claim(delivery, received));
      if ('unavailable' in claim) return claim.unavailable;
      if (claim.value === 'duplicate') return { status: 200, body: { duplicate: true } };
      const { action } = classifyPush(push);
      try {
        await claimed?.();
        await publisher.publish(PUSH_TOPIC, pushMessage(verified));
        const moved = baseMovedMessage(verified);
        if (options.pullRequests === true && moved !== undefined)
          await publisher.publish(PULL_REQUESTS_TOPIC, moved);
      } catch {
        // Nothing was handed on: release the claim so that GitHub's redelivery is accepted,
        // and answer 5xx so that the failure shows in its delivery log.
        await deliveries.release(delivery);
        return { status: 503, body: { error: 'could not publish' } };
      }
      return { status: 202, body: { accepted: true, action } };
    },
  };
}

/** The `push` message of a verified push: references only, never the payload. */
export function pushMessage({ delivery, push }: VerifiedPush): PushMessage {
  return {
    version: 2,
    delivery,
    repository: {
      owner: push.repository.owner.login,
      name: push.repository.name,
      defaultBranch: push.repository.default_branch,
      id: push.repository.id,
    },
    ref: push.ref,
    before: push.before,
    after: push.after,
    forced: push.forced,
    created: push.created,
    deleted: push.deleted,
    pusher: push.pusher.name,
  };
}

/**
 * The `pull-requests` message of a push that moves the default branch, for the consent of the
 * pull requests into it; undefined for any other push.
 */
function baseMovedMessage({ delivery, push }: VerifiedPush): BaseMovedMessage | undefined {
  const branch = push.repository.default_branch;
  if (push.deleted || push.ref !== `refs/heads/${branch}`) return undefined;
  return {
    version: 1,
    delivery,
    repository: {
      owner: push.repository.owner.login,
      name: push.repository.name,
      defaultBranch: branch,
      id: push.repository.id,
    },
    pushed: push.after,
    event: 'push',
  };
}

/**
 * What the store answered; or, when it failed for a while, the 503 that lets the delivery be
 * sent again. Any other failure is thrown: sending it again would not help.
 */
export async function fromStore<T>(
  call: Promise<T>,
): Promise<{ readonly value: T } | { readonly unavailable: WebhookReply }> {
  try {
    return { value: await call };
  } catch (error) {
    const failure = classifyFailure(error);
    if (failure.kind !== 'transient' && failure.kind !== 'rate-limited') throw error;
    return {
      unavailable: {
        status: 503,
        body: { error: 'the delivery store is unavailable: send the delivery again later' },
        detail: failure.reason,
      },
    };
  }
}
