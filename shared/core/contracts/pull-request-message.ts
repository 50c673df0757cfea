import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from './decode-message.ts';
import { nonEmpty, repositorySchema } from './fields.ts';

/** The Pub/Sub topic that carries {@link PullRequestMessage}s from ingest to consent. */
export const PULL_REQUESTS_TOPIC = 'pull-requests';

/**
 * The `pull-requests` topic message, version 1: which pull request of which repository an
 * event was about. References only: the consent stage reads the pull request's head, base
 * and reviews from GitHub itself, so a stale or redelivered event evaluates its current head.
 */
const version1 = v.strictObject({
  version: v.literal(1),
  /** GitHub's `X-GitHub-Delivery`. */
  delivery: nonEmpty,
  repository: v.strictObject({
    ...repositorySchema.entries,
    id: v.pipe(v.number(), v.safeInteger(), v.minValue(1, "GitHub's repository id")),
  }),
  number: v.pipe(v.number(), v.safeInteger(), v.minValue(1, 'a pull request number')),
  /** The event and its action, such as `pull_request_review submitted`: for the log only. */
  event: nonEmpty,
});

/** A decoded `pull-requests` topic message. */
export type PullRequestMessage = v.InferOutput<typeof version1>;

/** Decodes a `pull-requests` message received from the bus. */
export function decodePullRequestMessage(data: unknown): DecodeResult<PullRequestMessage> {
  return decodeMessage(version1, data);
}
