import * as v from 'valibot';

/** The Pub/Sub topic that carries {@link PushMessage}s from ingest to parse. */
export const PUSH_TOPIC = 'push';

/** A full git object id: SHA-1 (40 hex) or SHA-256 (64 hex), lowercase as git prints it. */
const objectId = v.pipe(v.string(), v.regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'a git object id'));

const nonEmpty = v.pipe(v.string(), v.minLength(1, 'a non-empty string'));

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
  repository: v.strictObject({
    owner: nonEmpty,
    name: nonEmpty,
    defaultBranch: nonEmpty,
  }),
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

/** One reason a message does not match the contract. */
export interface ContractIssue {
  /** Dotted path to the offending field, empty for the message itself. */
  readonly path: string;
  readonly message: string;
}

/** The outcome of decoding: the message, or every issue found (never an exception). */
export type DecodeResult<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly issues: readonly ContractIssue[] };

/**
 * Decodes a `push` message received from the bus. Issues are returned as data so a stage can
 * acknowledge and record a poison message instead of retrying it forever.
 */
export function decodePushMessage(data: unknown): DecodeResult<PushMessage> {
  const result = v.safeParse(pushMessageSchema, data, { abortEarly: false });
  if (result.success) return { ok: true, message: result.output };
  return {
    ok: false,
    issues: result.issues.map((issue) => ({
      path: v.getDotPath(issue) ?? '',
      message: issue.message,
    })),
  };
}
