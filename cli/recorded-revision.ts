import { workspaceApplyState } from '../shared/core/report/format-apply-check.ts';
import type { RepositoryState } from '../shared/pipeline/repository-state.ts';
import { requestRetries } from '../shared/pipeline/retry-builds.ts';
import type { StageOutcome } from '../shared/pipeline/stage.ts';
import type { BuildDocument, PlanRefusal } from '../shared/pipeline/state-documents.ts';
import { approveRelease } from '../shared/pipeline/approve-release.ts';
import { outcomeCode, printBuildOutcomes } from './build-outcomes.ts';
import { printRefusal } from './print-refusal.ts';
import { exitCodes, type CliIo } from './cli-io.ts';
import type { EmbeddedPipeline } from './embedded-pipeline.ts';

/** What `infrastream retry` asks of a run: the failed builds of the recorded revision. */
export interface RetryOptions {
  /** Only this workspace's build. */
  readonly workspace?: string;
  /** `infrastream release`: release this stage (`track/position`) instead of retrying. */
  readonly release?: string;
}

/** A run whose folder's recorded revision is the one it works on. */
export interface RecordedRun {
  readonly pipeline: EmbeddedPipeline;
  readonly state: RepositoryState;
  readonly directory: string;
  /** Clears the progress line before the outcome is printed. */
  readonly clearProgress: () => void;
}

/** The recorded revision. */
interface Revision {
  readonly commit: string;
  readonly sequence: number;
}

/**
 * A run on the recorded revision: with `--apply`, builds again the workspaces whose build
 * failed (and only those); without, says which failed. Exits 1 while any has failed, or
 * while its plan refuses it.
 */
export async function runOnRecorded(
  io: CliIo,
  run: RecordedRun,
  current: Revision,
  apply: boolean,
): Promise<number> {
  const { pipeline, state } = run;
  const short = current.commit.slice(0, 7);
  const refused = await refusal(state, current);
  if (refused !== undefined) return printRefusal(io, refused.refused, refused.base);
  if (apply) {
    const retried = await requestRetries(pipeline.ports, state.repository, current.commit);
    if (retried.kind === 'requested') {
      io.stdout(
        `  retrying   ${retried.workspaces.join(', ')}, which failed at revision ${current.sequence} (${short})\n`,
      );
      return retriedBuilds(io, run, current);
    }
  }
  const failed = await failedWorkspaces(state, current);
  if (failed.length > 0) {
    io.stdout(
      `  ${short} is already the recorded revision (revision ${current.sequence}), and the builds of ${failed.join(', ')} failed: \`infrastream run --apply\` or \`infrastream retry\` builds them again\n`,
    );
    return exitCodes.issues;
  }
  const held = await recordedBuilds(state, current, (build) => build.status === 'held');
  if (held.length > 0) {
    io.stdout(
      `  ${short} is already the recorded revision (revision ${current.sequence}), and its release stages hold ${held.join(', ')}: \`infrastream release\` releases a stage that awaits an approval\n`,
    );
    return exitCodes.held;
  }
  io.stdout(
    `  No change: ${short} is already the recorded revision (revision ${current.sequence}). Nothing to do.\n`,
  );
  return exitCodes.ok;
}

/** `infrastream retry`: the failed builds of the recorded revision, built again. */
export async function retryRecorded(
  io: CliIo,
  run: RecordedRun,
  current: Revision | null,
  retry: RetryOptions,
): Promise<number> {
  const { pipeline, state } = run;
  if (current === null) {
    io.stdout(
      '  Nothing to retry: no revision is recorded yet (`infrastream run --apply` first).\n',
    );
    return exitCodes.ok;
  }
  const refused = await refusal(state, current);
  if (refused !== undefined) return printRefusal(io, refused.refused, refused.base);
  const retried = await requestRetries(pipeline.ports, state.repository, current.commit, retry);
  if (retried.kind === 'none') {
    io.stdout(`  Nothing to retry: ${retried.detail}.\n`);
    return exitCodes.ok;
  }
  io.stdout(
    `  retrying   ${retried.workspaces.join(', ')}, which failed at revision ${current.sequence} (${current.commit.slice(0, 7)})\n`,
  );
  return retriedBuilds(io, run, current);
}

/**
 * Why the recorded revision's plan refused it, if it did: still the current revision, still
 * refused, nothing of it is built, retried or not, until a new revision.
 */
async function refusal(
  state: RepositoryState,
  current: Revision,
): Promise<{ readonly refused: PlanRefusal; readonly base?: string | null } | undefined> {
  const deltas = (await state.commit(current.commit))?.stages.deltas;
  if (deltas?.sequence !== current.sequence || deltas.refused === undefined) return undefined;
  return { refused: deltas.refused, ...(deltas.base === undefined ? {} : { base: deltas.base }) };
}

/**
 * `infrastream release`: the operator's explicit release of a stage of the recorded revision
 * that awaits an approval, recorded (`release-forced`) under `operator`; the stage's
 * workspaces then build, once its earlier stages applied.
 */
export async function releaseRecorded(
  io: CliIo,
  run: RecordedRun,
  current: Revision | null,
  stage: string,
  operator: string,
): Promise<number> {
  if (current === null) {
    io.stdout('  Nothing to release: no revision is recorded yet.\n');
    return exitCodes.ok;
  }
  const { pipeline, state } = run;
  const released = await approveRelease(pipeline.ports, state.repository, current.commit, {
    login: operator,
    stage,
  });
  if (released.kind === 'none') {
    io.stdout(`  Nothing to release: ${released.detail}.\n`);
    return exitCodes.ok;
  }
  io.stdout(
    `  releasing  stage ${stage} of revision ${current.sequence} (${current.commit.slice(0, 7)}), by ${released.login}\n`,
  );
  return retriedBuilds(io, run, current);
}

/** Runs the retries requested, then prints every build of the revision. */
async function retriedBuilds(io: CliIo, run: RecordedRun, current: Revision): Promise<number> {
  const { pipeline, state, directory } = run;
  for (const { outcome } of await pipeline.bus.drain()) {
    const { status, detail } = outcome as StageOutcome;
    if (status === 'rejected') io.stderr(`infrastream run: ${detail}\n`);
  }
  run.clearProgress();
  for (const dead of pipeline.bus.deadLetters) {
    io.stderr(`infrastream run: the ${dead.topic} stage failed: ${String(dead.error)}\n`);
  }
  const { failed, held } = await printBuildOutcomes(io, state, directory, current);
  return outcomeCode(failed, held, pipeline.bus.deadLetters.length);
}

/** The workspaces whose build of the revision failed or was refused. */
function failedWorkspaces(state: RepositoryState, current: Revision): Promise<string[]> {
  return recordedBuilds(state, current, (build) => workspaceApplyState(build) === 'failed');
}

/** The workspaces whose build of the revision `which` picks, sorted. */
async function recordedBuilds(
  state: RepositoryState,
  current: Revision,
  which: (build: BuildDocument) => boolean,
): Promise<string[]> {
  return (await state.store.list(state.paths.builds))
    .map((entry) => entry.data as unknown as BuildDocument)
    .filter(
      (build) =>
        build.commit === current.commit && build.sequence === current.sequence && which(build),
    )
    .map((build) => build.workspace)
    .sort();
}
