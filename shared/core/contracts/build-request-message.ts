import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from './decode-message.ts';
import { nonEmpty, objectId, repositorySchema } from './fields.ts';

/** From deltas (and build-status, for a queued build) to builds: build one workspace. */
export const BUILDS_TOPIC = 'builds';

/**
 * The `builds` topic message, version 1: one affected workspace of one recorded revision.
 * Builds is idempotent on (repository, workspace, commit).
 */
export const buildRequestMessageSchema = v.strictObject({
  version: v.literal(1),
  repository: repositorySchema,
  workspace: nonEmpty,
  commit: objectId,
  /** The revision's sequence: a larger one is newer, and an older one never applies after it. */
  sequence: v.pipe(v.number(), v.integer(), v.minValue(1)),
  apply: v.boolean(),
});

/** A decoded `builds` message. */
export type BuildRequestMessage = v.InferOutput<typeof buildRequestMessageSchema>;

/** Decodes a `builds` message received from the bus. */
export function decodeBuildRequestMessage(data: unknown): DecodeResult<BuildRequestMessage> {
  return decodeMessage(buildRequestMessageSchema, data);
}
