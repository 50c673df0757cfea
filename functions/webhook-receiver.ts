import type { GovernedRepository } from '../shared/core/pipeline/governed-repository.ts';
import type { Clock } from '../shared/ports/clock.ts';
import type { DeliveryStore } from '../shared/ports/delivery-store.ts';
import type { DocumentStore } from '../shared/ports/document-store.ts';
import type { Publisher } from '../shared/ports/publisher.ts';
import { createCheckRunAdmission } from './check-run-admission.ts';
import {
  createDeliveryVerifier,
  type WebhookReply,
  type WebhookRequest,
} from './delivery-verifier.ts';
import { createPullRequestAdmission } from './pull-request-admission.ts';
import { createPushAdmission } from './push-admission.ts';

export type { WebhookReply, WebhookRequest } from './delivery-verifier.ts';

/** What the ingest handler needs: its secrets, its repository, its ports and its body limit. */
export interface IngestOptions {
  /** Webhook secrets, any of which may sign a delivery: the old and new one while rotating. */
  readonly secrets: readonly string[];
  /** The one repository whose pushes are processed, by GitHub's id. */
  readonly repository: GovernedRepository;
  readonly deliveries: DeliveryStore;
  readonly publisher: Publisher;
  /** Larger bodies are refused before any HMAC is computed over them. */
  readonly maxBodyBytes: number;
  /**
   * The state, for the "Re-run" of the apply check (`check_run` events), which reads which
   * builds failed, and the App's id, whose check runs alone are re-run; without it,
   * `check_run` events are acknowledged and ignored.
   */
  readonly checkRuns?: {
    readonly store: DocumentStore;
    readonly clock: Clock;
    readonly appId: number;
  };
  /**
   * Whether pull-request and review events are admitted, for the consent stage; a pipeline
   * that cannot read pull requests from GitHub acknowledges and ignores them.
   */
  readonly pullRequests?: boolean;
}

/**
 * Creates the ingest stage: authenticates a GitHub webhook delivery, refuses a push of any
 * repository but the governed one, deduplicates it and publishes one `push` message of
 * references; with `pullRequests`, the same for a pull-request or review event, as one
 * `pull-requests` message, and a push of the default branch also publishes one, for the open
 * pull requests into it to be evaluated again. A re-run of the apply check requests the failed builds of its
 * commit again (a few reads and publishes). It does nothing else, so it answers well within
 * GitHub's 10 s.
 */
export function createWebhookReceiver(
  options: IngestOptions,
): (req: WebhookRequest) => Promise<WebhookReply> {
  const verify = createDeliveryVerifier({
    ...options,
    checkRuns: options.checkRuns !== undefined,
    pullRequests: options.pullRequests === true,
  });
  const admission = createPushAdmission(options);
  const admitPullRequest = createPullRequestAdmission(options);
  const rerun =
    options.checkRuns === undefined
      ? undefined
      : createCheckRunAdmission({ ...options, ...options.checkRuns });
  return async (req) => {
    const verified = await verify(req);
    if ('status' in verified) return verified;
    if ('checkRun' in verified) {
      return rerun === undefined
        ? { status: 202, body: { ignored: true, event: 'check_run' } }
        : rerun(verified);
    }
    return 'push' in verified ? admission.admit(verified) : admitPullRequest(verified);
  };
}
