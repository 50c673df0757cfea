import * as v from 'valibot';
import type { BuildNotification } from '../contracts/build-notification.ts';
import { buildChangesSchema, type BuildChanges } from './plan-change-counts.ts';

/** How a build ended, beyond its state: what its build document keeps and its check shows. */
export interface BuildOutcomeDetails {
  /** The id of the step that failed (`plan`, `apply`), when a step did. */
  readonly failedStep?: string;
  /** Why it failed: Terraform's error lines, or the backend's sentence. */
  readonly reason?: string;
  /** What its plan changes (for an apply that succeeded: what was applied). */
  readonly changes?: BuildChanges;
}

/** Step states that end a build. */
const FAILED_STEP = new Set(['FAILURE', 'TIMEOUT', 'CANCELLED', 'INTERNAL_ERROR', 'EXPIRED']);

/**
 * The details a build notification carries: the first step that failed, the failure's
 * sentence (`failureInfo.detail`) and the change counts a step wrote to its output.
 */
export function buildOutcomeDetails(notification: BuildNotification): BuildOutcomeDetails {
  const failed = notification.steps.find(
    (step) => step.status !== undefined && FAILED_STEP.has(step.status),
  );
  const reason = notification.failureInfo?.detail?.trim();
  const changes = (notification.results?.buildStepOutputs ?? [])
    .map((output) => decodeChanges(output))
    .find((decoded) => decoded !== undefined);
  return {
    ...(failed?.id === undefined || failed.id === '' ? {} : { failedStep: failed.id }),
    ...(reason === undefined || reason === '' ? {} : { reason }),
    ...(changes === undefined ? {} : { changes }),
  };
}

/** A step output holding `BuildChanges`; other steps' outputs are anything at all. */
function decodeChanges(output: string): BuildChanges | undefined {
  try {
    const bytes = Uint8Array.from(atob(output), (character) => character.charCodeAt(0));
    const parsed = v.safeParse(buildChangesSchema, JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}
