import type { BuildDocument, WorkspaceDocument } from '../pipeline/workspace-documents.ts';
import type { DriftObservation } from './drift-finding.ts';

/** Build states that mean the workspace is not at the revision its build was for. */
const FAILED = new Set(['FAILURE', 'INTERNAL_ERROR', 'TIMEOUT', 'CANCELLED', 'EXPIRED', 'refused']);

/** What the pipeline's own documents say of one workspace. */
export interface PipelineWorkspace {
  readonly workspace: WorkspaceDocument;
  /** Its builds that apply, any order. */
  readonly builds: readonly BuildDocument[];
  /** When each revision was recorded, by sequence, as far as known. */
  readonly recordedAt: (sequence: number) => string | undefined;
}

/**
 * The `pipeline` observations of a workspace: its last build that applies failed, or a
 * revision it was to be built at has waited longer than `maxLagMinutes` without being
 * applied. An unapplied commit is not drift by itself: only one the pipeline has been
 * unable to apply for longer than the setting allows. `now` is an ISO-8601 time.
 */
export function pipelineDrift(
  entry: PipelineWorkspace,
  now: string,
  maxLagMinutes: number,
): DriftObservation[] {
  const { workspace, builds } = entry;
  const applying = builds.filter((build) => build.apply);
  const observations: DriftObservation[] = [];
  const last = applying
    .filter((build) => build.status !== 'superseded' && build.status !== 'queued-behind')
    .sort((a, b) => a.sequence - b.sequence || (a.attempt ?? 1) - (b.attempt ?? 1))
    .at(-1);
  if (last !== undefined && FAILED.has(last.status)) {
    observations.push({
      source: 'pipeline',
      workspace: workspace.id,
      attribute: 'last-build',
      severity: 'high',
      summary: `the last build of ${workspace.id} (commit ${last.commit.slice(0, 12)}) ended ${last.status}${last.reason === null ? '' : `: ${last.reason}`}`,
      before: workspace.lastApplied?.commit ?? null,
      after: last.commit,
    });
  }
  const applied = workspace.lastApplied?.sequence ?? -1;
  const waiting = applying
    .filter((build) => build.sequence > applied)
    .map((build) => build.sequence)
    .sort((a, b) => a - b)[0];
  const since = waiting === undefined ? undefined : entry.recordedAt(waiting);
  if (since !== undefined) {
    const minutes = (Date.parse(now) - Date.parse(since)) / 60_000;
    if (minutes > maxLagMinutes) {
      observations.push({
        source: 'pipeline',
        workspace: workspace.id,
        attribute: 'applied-revision',
        severity: 'medium',
        // No count of minutes: a finding whose summary changes every sweep is written every sweep.
        summary: `${workspace.id} is behind: revision ${String(waiting)}, recorded ${since}, is still not applied more than ${maxLagMinutes} minutes later`,
        before: workspace.lastApplied?.sequence ?? null,
        after: waiting ?? null,
      });
    }
  }
  return observations;
}
