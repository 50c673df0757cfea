import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from '../shared/core/contracts/decode-message.ts';

const checkRunSchema = v.object({
  action: v.string(),
  check_run: v.object({
    name: v.string(),
    head_sha: v.pipe(v.string(), v.regex(/^[0-9a-f]{40}$/, 'a commit id')),
    app: v.object({ id: v.number() }),
  }),
  repository: v.object({
    id: v.number(),
    name: v.string(),
    default_branch: v.string(),
    owner: v.object({ login: v.string() }),
  }),
  /** Which button was pressed, for `requested_action`. */
  requested_action: v.optional(v.object({ identifier: v.string() })),
  /** Who pressed it: GitHub's login, checked against the manifests' stakeholders. */
  sender: v.optional(v.object({ login: v.string() })),
});

/** The fields of a `check_run` payload ingest reads: which check of which commit, and why. */
export type CheckRunFields = v.InferOutput<typeof checkRunSchema>;

/** Checks the fields of a parsed `check_run` payload ingest reads; the others are dropped. */
export function decodeCheckRunPayload(payload: unknown): DecodeResult<CheckRunFields> {
  return decodeMessage(checkRunSchema, payload);
}
