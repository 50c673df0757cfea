import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Stage, StageOutcome } from '../shared/pipeline/stage.ts';
import { decodePubSubEvent } from './pubsub-event.ts';

/** A `cloudEvent` function body. */
export type PubSubHandler = (event: CloudEvent<unknown>) => Promise<StageOutcome>;

/**
 * Runs a stage on a Pub/Sub CloudEvent. Returning acknowledges the message: done, repeated,
 * skipped, and rejected (a message that can never succeed is logged and dropped rather than
 * retried). Throwing makes Pub/Sub deliver it again, and after the subscription's maximum
 * attempts send it to the dead-letter topic: that is what transient failures do.
 * `stage` is created on the first message, so that importing a function needs no environment.
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
    return log(name, await stage(value));
  };
}

/** One structured line per message, as Cloud Logging reads it from stdout. */
function log(stage: string, outcome: StageOutcome): StageOutcome {
  const severity = outcome.status === 'rejected' ? 'ERROR' : 'INFO';
  console.log(JSON.stringify({ severity, stage, ...outcome }));
  return outcome;
}
