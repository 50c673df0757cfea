import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from './decode-message.ts';
import { nonEmpty, objectId, repositorySchema } from './fields.ts';

/** The Pub/Sub topic that carries {@link PushMessage}s from ingest to parse. */
export const PUSH_TOPIC = 'push';

/**
 * The `push` topic message, version 1. It carries references only (which repository, which
 * ref, which commits): parse reads the tree at `after` itself and never trusts a manifest or
 * a payload that travelled through the bus. Strict, so an unknown field (a later version sent
 * to an old reader) is an issue rather than silently dropped.
 */
export const pushMessageSchema = v.strictObject({
  version: v.literal(1),
  /** GitHub's `X-GitHub-Delivery`: the business key every later stage deduplicates on. */
  delivery: nonEmpty,
  repository: repositorySchema,
  /** The full ref, such as `refs/heads/main` or `refs/tags/v1`. */
  ref: v.pipe(v.string(), v.startsWith('refs/', 'a full ref')),
  before: objectId,
  after: objectId,
  forced: v.boolean(),
  created: v.boolean(),
  deleted: v.boolean(),
  /** The login of who pushed, for the audit trail only: never an authorization input. */
  pusher: nonEmpty,
});

/** A decoded `push` topic message. */
export type PushMessage = v.InferOutput<typeof pushMessageSchema>;

/** Decodes a `push` message received from the bus. */
export function decodePushMessage(data: unknown): DecodeResult<PushMessage> {
  return decodeMessage(pushMessageSchema, data);
}
