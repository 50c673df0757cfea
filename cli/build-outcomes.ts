import { relative } from 'node:path';
import { workspaceApplyState } from '../shared/core/report/format-apply-check.ts';
import type { RepositoryState } from '../shared/pipeline/repository-state.ts';
import type { BuildDocument } from '../shared/pipeline/state-documents.ts';
import { exitCodes, type CliIo } from './cli-io.ts';
import { stateFolder } from './embedded-pipeline.ts';

/**
 * Prints the builds of `commit` at revision `sequence`: a count, then one line per
 * workspace with its outcome and, under each that failed, the step and Terraform's error
 * lines; under the held ones, how to release a stage that awaits an approval. Returns the
 * workspaces that failed and those their release stages hold.
 */
export async function printBuildOutcomes(
  io: CliIo,
  state: RepositoryState,
  directory: string,
  revision: { readonly commit: string; readonly sequence: number },
): Promise<{ readonly failed: string[]; readonly held: string[] }> {
  const builds = (await state.store.list(state.paths.builds))
    .map((entry) => entry.data as unknown as BuildDocument)
    .filter((build) => build.commit === revision.commit && build.sequence === revision.sequence)
    .sort((a, b) => (a.workspace < b.workspace ? -1 : a.workspace > b.workspace ? 1 : 0));
  const applied = builds.filter((build) => build.apply && build.status === 'SUCCESS').length;
  const failed = builds.filter((build) => workspaceApplyState(build) === 'failed');
  io.stdout(
    `  builds     ${builds.length} (${applied} applied${failed.length > 0 ? `, ${failed.length} failed` : ''}${builds.some((build) => !build.apply) ? '; plan only: --apply runs terraform' : ''}) in ${relative(io.cwd, stateFolder(directory))}/builds/\n`,
  );
  for (const build of builds) {
    io.stdout(`    ${outcomeLine(build)}\n`);
    if (workspaceApplyState(build) !== 'failed') continue;
    for (const line of (build.reason ?? '').split('\n').filter((text) => text !== '')) {
      io.stdout(`        ${line}\n`);
    }
    if (build.logUrl !== null) io.stdout(`        log: ${relative(io.cwd, build.logUrl)}\n`);
  }
  const held = builds.filter((build) => build.status === 'held');
  const awaiting = [
    ...new Set(
      held.flatMap((build) => (build.hold?.kind === 'approval' ? [build.hold.stage] : [])),
    ),
  ];
  if (awaiting.length > 0) {
    io.stdout(
      `  held       stage ${awaiting.join(', ')} awaits an approval: on GitHub, a stakeholder's on the apply check; here, \`infrastream release ${relative(io.cwd, directory) || '.'} STAGE\` releases it, recorded under your git user.name\n`,
    );
  }
  return {
    failed: failed.map((build) => build.workspace),
    held: held.map((build) => build.workspace),
  };
}

/** `workspace: outcome`, with what an apply changed and which attempt a retry was. */
function outcomeLine(build: BuildDocument): string {
  const attempt = build.attempt === undefined ? '' : ` (attempt ${build.attempt})`;
  const { changes } = build;
  switch (workspaceApplyState(build)) {
    case 'applied':
      return build.apply
        ? `✓ ${build.workspace}: applied${changes === undefined ? '' : ` (${changes.create} created, ${changes.update} changed, ${changes.destroy} destroyed)`}${attempt}`
        : `✓ ${build.workspace}: rendered, plan only`;
    case 'failed':
      return `✗ ${build.workspace}: ${build.status === 'refused' ? 'refused' : `failed${build.failedStep === undefined ? ` (${build.status})` : ` in ${build.failedStep}`}`}${attempt}`;
    case 'superseded':
      return `- ${build.workspace}: superseded${build.reason === null ? '' : `: ${build.reason}`}`;
    case 'held':
      return `⏸ ${build.workspace}: ${build.reason ?? 'held'}`;
    default:
      return `… ${build.workspace}: ${build.status}${build.reason === null ? '' : `: ${build.reason}`}`;
  }
}

/** A run's exit code from its builds: 1 when one failed, 4 when a release stage holds one. */
export function outcomeCode(
  failed: readonly string[],
  held: readonly string[],
  deadLetters: number,
): number {
  if (failed.length > 0 || deadLetters > 0) return exitCodes.issues;
  return held.length > 0 ? exitCodes.held : exitCodes.ok;
}
