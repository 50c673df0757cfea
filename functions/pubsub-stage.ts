import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Stage, StageOutcome } from '../shared/pipeline/stage.ts';
import { classifyFailure } from '../shared/ports/classify-failure.ts';
import { decodePubSubEvent } from './pubsub-event.ts';

/** A `cloudEvent` function body. */
export type PubSubHandler = (event: CloudEvent<unknown>) => Promise<StageOutcome>;

/**
 * Runs a stage on a Pub/Sub CloudEvent. Returning acknowledges the message: done, repeated,
 * skipped, and rejected (a message that can never succeed, or a permanent failure the stage
 * recorded, is logged as an error and dropped rather than retried). Throwing makes Pub/Sub
 * deliver it again, with the backoff of the subscription's retry policy, and after its
 * maximum attempts send it to the dead-letter topic: that is what transient failures, rate
 * limits and unknown errors do, each logged first with what is known of when a retry may
 * succeed. `stage` is created on the first message, so that importing a function needs no
 * environment; the pipeline's stages come guarded (`createPipelineStage`).
 */
export function pubsubStage(name: string, createStage: () => Stage): PubSubHandler {
  let stage: Stage | undefined;
  return async (event) => {
    let value: unknown;
    try {
      value = decodePubSubEvent(event).value;
    } catch (error) {
      return log(name, { status: 'rejected', detail: (error as Error).message });
    }
    stage ??= createStage();
    try {
      return log(name, await stage(value));
    } catch (error) {
      logThrown(name, event, value, error);
      throw error;
    }
  };
}

/** One structured line per message, as Cloud Logging reads it from stdout. */
function log(stage: string, outcome: StageOutcome): StageOutcome {
  const severity = outcome.status === 'rejected' ? 'ERROR' : 'INFO';
  console.log(JSON.stringify({ severity, stage, ...outcome }));
  return outcome;
}

/**
 * The line for a message given back to Pub/Sub: a warning for what is expected to pass (a
 * backend away, a rate limit, with the time it resets), an error with the stack for what no
 * adapter recognised, since that is most likely a bug. The message itself is logged for the
 * context: messages carry references, never manifests or secrets.
 */
function logThrown(stage: string, event: CloudEvent<unknown>, message: unknown, error: unknown) {
  const failure = classifyFailure(error);
  const known = failure.kind !== 'unknown';
  const retry =
    failure.kind === 'rate-limited'
      ? failure.retryAt === undefined
        ? 'retried by Pub/Sub; the rate limit named no reset'
        : `retried by Pub/Sub; a retry may succeed from ${failure.retryAt}, when the rate limit resets`
      : 'retried by Pub/Sub';
  console.log(
    JSON.stringify({
      severity: known ? 'WARNING' : 'ERROR',
      stage,
      status: 'retried',
      failure: failure.kind,
      detail: `${failure.reason}: ${retry}`,
      ...(failure.kind === 'rate-limited' && failure.retryAt !== undefined
        ? { retryAt: failure.retryAt }
        : {}),
      event: event.id,
      message,
      ...(known ? {} : { stack: error instanceof Error ? error.stack : String(error) }),
    }),
  );
}
