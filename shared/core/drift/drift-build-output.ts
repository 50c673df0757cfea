import * as v from 'valibot';
import type { DriftObservation } from './drift-finding.ts';

/**
 * What a drift build hands back: its step output (`$BUILDER_OUTPUT/output`), which Cloud Build
 * keeps in the build and sends with its notification. Cloud Build keeps the first 50 KB of it;
 * observations that do not fit below this are not sent, only their count, and the workspace
 * is then unread (its findings stay as they were) rather than read in part.
 */
export const DRIFT_OUTPUT_LIMIT_BYTES = 48 * 1024;

const observationSchema = v.object({
  source: v.literal('terraform'),
  workspace: v.string(),
  address: v.string(),
  attribute: v.string(),
  severity: v.picklist(['critical', 'high', 'medium', 'low']),
  summary: v.string(),
  before: v.unknown(),
  after: v.unknown(),
});

const outputSchema = v.union([
  v.strictObject({ drift: v.literal(1), observations: v.array(observationSchema) }),
  v.strictObject({ drift: v.literal(1), overflow: v.number() }),
]);

/**
 * The step output of a drift build: its `terraform` observations without manifest locations
 * (the build has the rendered workspace, not the manifests' texts: the collecting step
 * locates them), or their count when they do not fit.
 */
export function encodeDriftBuildOutput(observations: readonly DriftObservation[]): string {
  const text = JSON.stringify({
    drift: 1,
    observations: observations.map(({ manifest: _, ...observation }) => observation),
  });
  return Buffer.byteLength(text, 'utf8') <= DRIFT_OUTPUT_LIMIT_BYTES
    ? text
    : JSON.stringify({ drift: 1, overflow: observations.length });
}

/** What a drift build's step outputs say: its observations, or why they cannot be read. */
export type DriftBuildOutput =
  | { readonly ok: true; readonly observations: readonly DriftObservation[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads the drift output among a build's step outputs (as Cloud Build sends them: base64 by
 * step index). Observations of another workspace than the build's are refused: a build
 * speaks for its own workspace only.
 */
export function decodeDriftBuildOutput(
  stepOutputs: readonly string[],
  workspace: string,
): DriftBuildOutput {
  for (const encoded of stepOutputs) {
    const text = Buffer.from(encoded, 'base64').toString('utf8');
    if (!text.startsWith('{"drift":')) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, reason: 'its drift output was cut short' };
    }
    const parsed = v.safeParse(outputSchema, value);
    if (!parsed.success)
      return { ok: false, reason: 'its drift output is not one a drift build writes' };
    const output = parsed.output;
    if ('overflow' in output)
      return {
        ok: false,
        reason: `its ${output.overflow} observations are more than a build's step output holds: run infrastream drift --workspace ${workspace}`,
      };
    if (output.observations.some((observation) => observation.workspace !== workspace))
      return { ok: false, reason: `its drift output names another workspace than ${workspace}` };
    return { ok: true, observations: output.observations as DriftObservation[] };
  }
  return { ok: false, reason: 'it wrote no drift output' };
}
