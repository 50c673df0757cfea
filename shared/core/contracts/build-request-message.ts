import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from './decode-message.ts';
import { nonEmpty, objectId, repositorySchema, sha256Digest } from './fields.ts';

/** From deltas (and build-status, for a queued build) to builds: build some workspaces. */
export const BUILDS_TOPIC = 'builds';

/**
 * Workspaces one `builds` message names at most: a first push affects hundreds, and one
 * message each would cost each its own delivery and transactions. The builds stage's two
 * transactions write at most three documents per workspace, well under Firestore's 500.
 */
export const WORKSPACES_PER_BUILD_MESSAGE = 50;

const sequence = v.pipe(v.number(), v.integer(), v.minValue(1));

/**
 * The `builds` topic message, version 2: affected workspaces of one recorded revision, each
 * built on its own. Builds is idempotent on (repository, workspace, commit, sequence).
 */
const version2 = v.strictObject({
  version: v.literal(2),
  repository: repositorySchema,
  workspaces: v.pipe(
    v.array(nonEmpty),
    v.minLength(1, 'at least one workspace'),
    v.maxLength(
      WORKSPACES_PER_BUILD_MESSAGE,
      `at most ${String(WORKSPACES_PER_BUILD_MESSAGE)} workspaces`,
    ),
    v.check((ids) => new Set(ids).size === ids.length, 'workspaces listed once each'),
  ),
  commit: objectId,
  /** The revision's sequence: a larger one is newer, and an older one never applies after it. */
  sequence,
  apply: v.boolean(),
  /** Build again revisions whose build failed or was refused, as a new attempt. */
  retry: v.optional(v.literal(true)),
  /**
   * The snapshot parse wrote of `commit`'s revision, as deltas received it. Absent (a request
   * from the workspace queue, or `run` resuming): builds parses the revision.
   */
  snapshot: v.optional(sha256Digest),
});

/** Version 1 named one workspace: still read, so messages in flight during an upgrade build. */
const version1 = v.pipe(
  v.strictObject({
    version: v.literal(1),
    repository: repositorySchema,
    workspace: nonEmpty,
    commit: objectId,
    sequence,
    apply: v.boolean(),
  }),
  v.transform(({ workspace, ...rest }): v.InferOutput<typeof version2> => ({
    ...rest,
    version: 2,
    workspaces: [workspace],
  })),
);

export const buildRequestMessageSchema = v.variant('version', [version2, version1]);

/** A decoded `builds` message, whichever version it was sent as. */
export type BuildRequestMessage = v.InferOutput<typeof version2>;

/** Decodes a `builds` message received from the bus. */
export function decodeBuildRequestMessage(data: unknown): DecodeResult<BuildRequestMessage> {
  return decodeMessage(buildRequestMessageSchema, data);
}

/** The messages that request builds of `workspaces`, in order, as few as the limit allows. */
export function buildRequests(
  request: Omit<BuildRequestMessage, 'version' | 'workspaces'>,
  workspaces: readonly string[],
): BuildRequestMessage[] {
  const messages: BuildRequestMessage[] = [];
  for (let start = 0; start < workspaces.length; start += WORKSPACES_PER_BUILD_MESSAGE) {
    messages.push({
      version: 2,
      ...request,
      workspaces: workspaces.slice(start, start + WORKSPACES_PER_BUILD_MESSAGE),
    });
  }
  return messages;
}
