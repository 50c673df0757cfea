import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from './decode-message.ts';
import { nonEmpty, objectId, repositorySchema } from './fields.ts';

/** The Pub/Sub topic that carries {@link ConsentMessage}s from ingest to consent. */
export const PULL_REQUESTS_TOPIC = 'pull-requests';

const governedRepository = v.strictObject({
  ...repositorySchema.entries,
  id: v.pipe(v.number(), v.safeInteger(), v.minValue(1, "GitHub's repository id")),
});

/**
 * The `pull-requests` topic message, version 1: which pull request of which repository an
 * event was about. References only: the consent stage reads the pull request's head, base
 * and reviews from GitHub itself, so a stale or redelivered event evaluates its current head.
 */
const version1 = v.strictObject({
  version: v.literal(1),
  /** GitHub's `X-GitHub-Delivery`. */
  delivery: nonEmpty,
  repository: governedRepository,
  number: v.pipe(v.number(), v.safeInteger(), v.minValue(1, 'a pull request number')),
  /** The event and its action, such as `pull_request_review submitted`: for the log only. */
  event: nonEmpty,
});

/**
 * The `pull-requests` topic message that the default branch moved to `pushed`: the consent
 * of every open pull request into it is evaluated again, since who may approve is read from
 * the default branch as it now is.
 */
const baseMoved = v.strictObject({
  version: v.literal(1),
  delivery: nonEmpty,
  repository: governedRepository,
  /** The commit the default branch was pushed to. */
  pushed: objectId,
  event: nonEmpty,
});

const consentMessage = v.union([version1, baseMoved]);

/** A decoded `pull-requests` topic message about one pull request. */
export type PullRequestMessage = v.InferOutput<typeof version1>;

/** A decoded `pull-requests` topic message saying the default branch moved. */
export type BaseMovedMessage = v.InferOutput<typeof baseMoved>;

/** Any decoded `pull-requests` topic message. */
export type ConsentMessage = PullRequestMessage | BaseMovedMessage;

/** Decodes a `pull-requests` message received from the bus. */
export function decodePullRequestMessage(data: unknown): DecodeResult<ConsentMessage> {
  return decodeMessage(consentMessage, data);
}
