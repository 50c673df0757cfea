import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from './decode-message.ts';
import { nonEmpty } from './fields.ts';

/** The topic Cloud Build publishes build status changes to; the name is fixed by Cloud Build. */
export const CLOUD_BUILDS_TOPIC = 'cloud-builds';

/**
 * The substitutions every pipeline build carries, so that its notifications can be traced back
 * to a workspace and commit without a lookup. Cloud Build requires user substitutions to start
 * with `_` and be uppercase.
 */
export const BUILD_SUBSTITUTIONS = {
  /** `owner/name`. */
  repository: '_REPOSITORY',
  /** GitHub's repository id, which build-status checks against the governed repository's. */
  repositoryId: '_REPOSITORY_ID',
  workspace: '_WORKSPACE',
  commit: '_COMMIT',
  sequence: '_SEQUENCE',
  apply: '_APPLY',
  /** The scheduled time of the drift sweep a refresh-only build belongs to; only drift builds carry it. */
  driftSweep: '_DRIFT_SWEEP',
} as const;

/**
 * The tag a retried build carries, `attempt_2` and on: the backend is idempotent on
 * (workspace, commit, sequence, attempt), so a retry is a new build and a redelivery is not.
 * A first attempt carries none, as builds did before retries.
 */
export function attemptTag(attempt: number): string | undefined {
  return attempt > 1 ? `attempt_${attempt}` : undefined;
}

/** The attempt a build's tags name: 1 without an attempt tag. */
export function buildAttempt(tags: readonly string[] | null | undefined): number {
  for (const tag of tags ?? []) {
    const match = /^attempt_([1-9]\d{0,8})$/.exec(tag);
    if (match !== null) return Number(match[1]);
  }
  return 1;
}

/** Cloud Build's build states (`google.devtools.cloudbuild.v1.Build.Status`). */
export const buildStates = [
  'STATUS_UNKNOWN',
  'PENDING',
  'QUEUED',
  'WORKING',
  'SUCCESS',
  'FAILURE',
  'INTERNAL_ERROR',
  'TIMEOUT',
  'CANCELLED',
  'EXPIRED',
] as const;

/** A state of a Cloud Build build. */
export type BuildState = (typeof buildStates)[number];

/** States after which a build changes no more. */
export const FINAL_BUILD_STATES: ReadonlySet<BuildState> = new Set([
  'SUCCESS',
  'FAILURE',
  'INTERNAL_ERROR',
  'TIMEOUT',
  'CANCELLED',
  'EXPIRED',
]);

/**
 * A `cloud-builds` message: Cloud Build's `Build` resource as JSON. Loose, because Cloud Build
 * sends many more fields and adds new ones; only what the pipeline reads is checked. Builds
 * that are not the pipeline's (no workspace substitution) decode too, and are ignored.
 */
export const buildNotificationSchema = v.looseObject({
  id: nonEmpty,
  status: v.picklist(buildStates, 'a Cloud Build status'),
  substitutions: v.optional(v.record(v.string(), v.string()), {}),
  tags: v.optional(v.array(v.string()), []),
  logUrl: v.optional(v.string()),
  finishTime: v.optional(v.string()),
  /** Each step's `id` (the pipeline names them: `plan`, `apply`) and how it ended. */
  steps: v.optional(
    v.array(v.looseObject({ id: v.optional(v.string()), status: v.optional(v.string()) })),
    [],
  ),
  /** Why a build failed: Cloud Build's sentence, or the local runner's Terraform error lines. */
  failureInfo: v.optional(v.looseObject({ detail: v.optional(v.string()) })),
  /**
   * What steps wrote to `$BUILDER_OUTPUT/output`, base64, by step index: the step that reads
   * the plan writes its counts there (`BuildChanges`, as JSON).
   */
  results: v.optional(v.looseObject({ buildStepOutputs: v.optional(v.array(v.string()), []) })),
});

/** A decoded `cloud-builds` message. */
export type BuildNotification = v.InferOutput<typeof buildNotificationSchema>;

/** Decodes a `cloud-builds` message received from the bus. */
export function decodeBuildNotification(data: unknown): DecodeResult<BuildNotification> {
  return decodeMessage(buildNotificationSchema, data);
}
