import * as v from 'valibot';

/** A full git object id: SHA-1 (40 hex) or SHA-256 (64 hex), lowercase as git prints it. */
export const objectId = v.pipe(
  v.string(),
  v.regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'a git object id'),
);

/** A SHA-256, 64 lowercase hex, such as the key of a revision's snapshot. */
export const sha256Digest = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex'));

/** Any string with something in it. */
export const nonEmpty = v.pipe(v.string(), v.minLength(1, 'a non-empty string'));

/** A repository as every message names it. */
export const repositorySchema = v.strictObject({
  owner: nonEmpty,
  name: nonEmpty,
  defaultBranch: nonEmpty,
});

/** A repository named in a message. */
export type MessageRepository = v.InferOutput<typeof repositorySchema>;
