import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from './decode-message.ts';
import { nonEmpty, objectId, repositorySchema, sha256Digest } from './fields.ts';

/** From parse to record: every manifest of the commit is valid. */
export const MANIFESTS_TOPIC = 'manifests';

/** From record to deltas: the commit's desired state is recorded (or, for a plan, built). */
export const DESIRED_STATE_TOPIC = 'desired-state';

/**
 * The message of the `manifests` and `desired-state` topics, version 1: one commit of one
 * repository, by reference. Each stage reads what it needs (the tree at `commit`, the
 * recorded revision) itself, so a message never carries manifests.
 */
export const commitMessageSchema = v.strictObject({
  version: v.literal(1),
  /** The GitHub delivery that started the run, for the audit trail. */
  delivery: nonEmpty,
  repository: repositorySchema,
  /** The full ref that was pushed, such as `refs/heads/main`. */
  ref: v.pipe(v.string(), v.startsWith('refs/heads/', 'a branch ref')),
  commit: objectId,
  /** Apply the commit (the default branch), or only plan it and report on the commit. */
  action: v.picklist(['apply', 'plan'], 'apply or plan'),
  /** A forced push: accepted even when it does not descend from the applied commit. */
  forced: v.boolean(),
  /** Who pushed, for the audit trail only: never an authorization input. */
  pusher: nonEmpty,
  /**
   * The snapshot parse wrote of the commit's revision, which the next stages read instead of
   * parsing it. Absent (a message sent again, or by an older parse): they parse it.
   */
  snapshot: v.optional(sha256Digest),
});

/** A decoded `manifests` or `desired-state` message. */
export type CommitMessage = v.InferOutput<typeof commitMessageSchema>;

/** Decodes a `manifests` or `desired-state` message received from the bus. */
export function decodeCommitMessage(data: unknown): DecodeResult<CommitMessage> {
  return decodeMessage(commitMessageSchema, data);
}
