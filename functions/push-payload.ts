import type { EmitterWebhookEvent } from '@octokit/webhooks';
import type * as v from 'valibot';
import { decodeMessage, type DecodeResult } from '../shared/core/contracts/decode-message.ts';
import { pushEventSchema } from '../shared/core/pipeline/classify-push.ts';

/** A `push` event payload in full, as GitHub's webhook schema (typed by @octokit/webhooks) has it. */
export type PushPayload = EmitterWebhookEvent<'push'>['payload'];

/** The fields of a `push` payload ingest reads, typed as GitHub types them. */
export type PushFields = Pick<
  PushPayload,
  'ref' | 'before' | 'after' | 'created' | 'deleted' | 'forced'
> & {
  readonly repository: Pick<PushPayload['repository'], 'id' | 'name' | 'default_branch'> & {
    readonly owner: Pick<NonNullable<PushPayload['repository']['owner']>, 'login'>;
  };
  readonly pusher: Pick<PushPayload['pusher'], 'name'>;
};

// The check that our validation and GitHub's types agree: what the schema lets through has the
// types GitHub gives these fields. (The other way round, that every payload GitHub documents
// passes it, is a type test.)
const pushFieldsSchema: v.GenericSchema<
  v.InferInput<typeof pushEventSchema>,
  PushFields
> = pushEventSchema;

/**
 * Checks the fields of a parsed `push` payload ingest reads (GitHub sends many more, which are
 * dropped unread): those fields, or every one that is missing or of another type, with what
 * was expected.
 */
export function decodePushPayload(payload: unknown): DecodeResult<PushFields> {
  const decoded = decodeMessage(pushFieldsSchema, payload);
  return decoded.ok ? { ok: true, message: onlyReadFields(decoded.message) } : decoded;
}

/** The fields ingest reads and no other: what is kept or queued of a push is no bigger. */
function onlyReadFields(push: PushFields): PushFields {
  const { repository, pusher } = push;
  return {
    ...{ ref: push.ref, before: push.before, after: push.after },
    ...{ created: push.created, deleted: push.deleted, forced: push.forced },
    repository: {
      ...{ id: repository.id, name: repository.name, default_branch: repository.default_branch },
      owner: { login: repository.owner.login },
    },
    pusher: { name: pusher.name },
  };
}
