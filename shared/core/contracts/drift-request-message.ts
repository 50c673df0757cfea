import * as v from 'valibot';
import { decodeMessage, type DecodeResult } from './decode-message.ts';

/**
 * From Cloud Scheduler (on the drift schedule) and from build-status (a drift build ended)
 * to the drift stage: sweep, or carry on with a sweep.
 */
export const DRIFT_REQUESTED_TOPIC = 'drift-requested';

/**
 * The `drift-requested` message. Cloud Scheduler publishes `{"version":1}`, and the stage
 * takes the schedule's latest time as the sweep's; build-status names the sweep a drift
 * build belongs to, so that the stage starts the next builds or collects it.
 */
const driftRequestSchema = v.strictObject({
  version: v.literal(1),
  /** The sweep's scheduled time, ISO-8601 to the minute. */
  sweep: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/,
        'a scheduled time such as 2026-12-03T19:00:00.000Z',
      ),
    ),
  ),
});

/** A decoded `drift-requested` message. */
export type DriftRequestMessage = v.InferOutput<typeof driftRequestSchema>;

/** Decodes a `drift-requested` message received from the bus. */
export function decodeDriftRequest(data: unknown): DecodeResult<DriftRequestMessage> {
  return decodeMessage(driftRequestSchema, data);
}
