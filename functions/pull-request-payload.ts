import type { WebhookEventName } from '@octokit/webhooks/types';
import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from '../shared/core/contracts/decode-message.ts';

/** The events the consent check is evaluated on. */
export const PULL_REQUEST_EVENTS = [
  'pull_request' satisfies WebhookEventName,
  'pull_request_review' satisfies WebhookEventName,
] as const;

/** One of {@link PULL_REQUEST_EVENTS}. */
export type PullRequestEvent = (typeof PULL_REQUEST_EVENTS)[number];

/** The fields of a `pull_request` or `pull_request_review` payload ingest reads. */
export interface PullRequestFields {
  readonly action: string;
  readonly number: number;
  readonly repository: {
    readonly id: number;
    readonly name: string;
    readonly default_branch: string;
    readonly owner: { readonly login: string };
  };
  /** Whether an `edited` pull request's base branch changed. */
  readonly baseChanged: boolean;
}

const positive = v.pipe(v.number(), v.safeInteger(), v.minValue(1));
const payloadSchema = v.looseObject({
  action: v.string(),
  pull_request: v.looseObject({ number: positive }),
  repository: v.looseObject({
    id: positive,
    name: v.string(),
    default_branch: v.string(),
    owner: v.looseObject({ login: v.string() }),
  }),
  changes: v.optional(v.looseObject({ base: v.optional(v.unknown()) })),
});

/** Checks the fields ingest reads of a parsed pull-request or review payload. */
export function decodePullRequestPayload(payload: unknown): DecodeResult<PullRequestFields> {
  const decoded = decodeMessage(payloadSchema, payload);
  if (!decoded.ok) return decoded;
  const { action, pull_request: pull, repository, changes } = decoded.message;
  return {
    ok: true,
    message: {
      action,
      number: pull.number,
      repository: {
        id: repository.id,
        name: repository.name,
        default_branch: repository.default_branch,
        owner: { login: repository.owner.login },
      },
      baseChanged: changes?.base !== undefined,
    },
  };
}

/**
 * Whether an event can change the consent check: a head or base that moved, a pull request
 * opened again, a review given, changed or dismissed. Others (labels, a title edited) cannot.
 */
export function changesConsent(event: PullRequestEvent, fields: PullRequestFields): boolean {
  if (event === 'pull_request_review')
    return ['submitted', 'edited', 'dismissed'].includes(fields.action);
  if (fields.action === 'edited') return fields.baseChanged;
  return ['opened', 'synchronize', 'reopened'].includes(fields.action);
}
