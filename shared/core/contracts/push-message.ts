import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from './decode-message.ts';
import { nonEmpty, objectId, repositorySchema } from './fields.ts';

/** The Pub/Sub topic that carries {@link PushMessage}s from ingest to parse. */
export const PUSH_TOPIC = 'push';

const pushFields = {
  /** GitHub's `X-GitHub-Delivery`: the business key every later stage deduplicates on. */
  delivery: nonEmpty,
  /** The full ref, such as `refs/heads/main` or `refs/tags/v1`. */
  ref: v.pipe(v.string(), v.startsWith('refs/', 'a full ref')),
  before: objectId,
  after: objectId,
  forced: v.boolean(),
  created: v.boolean(),
  deleted: v.boolean(),
  /** The login of who pushed, for the audit trail only: never an authorization input. */
  pusher: nonEmpty,
};

/**
 * The `push` topic message, version 2. It carries references only (which repository, which
 * ref, which commits): parse reads the tree at `after` itself and never trusts a manifest or
 * a payload that travelled through the bus. Strict, so an unknown field (a later version sent
 * to an old reader) is an issue rather than silently dropped.
 */
const version2 = v.strictObject({
  version: v.literal(2),
  repository: v.strictObject({
    ...repositorySchema.entries,
    /**
     * GitHub's repository id, which parse checks against the governed repository's; absent
     * only for a local folder, which has none.
     */
    id: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1, "GitHub's repository id"))),
  }),
  ...pushFields,
});

/**
 * Version 1 had no repository id: still read, so that pushes in flight during an upgrade are
 * parsed, matched to the governed repository by name.
 */
const version1 = v.pipe(
  v.strictObject({ version: v.literal(1), repository: repositorySchema, ...pushFields }),
  v.transform((message): v.InferOutput<typeof version2> => ({ ...message, version: 2 })),
);

export const pushMessageSchema = v.variant('version', [version2, version1]);

/** A decoded `push` topic message, whichever version it was sent as. */
export type PushMessage = v.InferOutput<typeof version2>;

/** Decodes a `push` message received from the bus. */
export function decodePushMessage(data: unknown): DecodeResult<PushMessage> {
  return decodeMessage(pushMessageSchema, data);
}
