import { relative } from 'node:path';
import { workspaceApplyState } from '../shared/core/report/format-apply-check.ts';
import type { RepositoryState } from '../shared/pipeline/repository-state.ts';
import type { BuildDocument } from '../shared/pipeline/state-documents.ts';
import type { CliIo } from './cli-io.ts';
import { stateFolder } from './embedded-pipeline.ts';

/**
 * Prints the builds of `commit` at revision `sequence`: a count, then one line per
 * workspace with its outcome and, under each that failed, the step and Terraform's error
 * lines. Returns the workspaces that failed.
 */
export async function printBuildOutcomes(
  io: CliIo,
  state: RepositoryState,
  directory: string,
  revision: { readonly commit: string; readonly sequence: number },
): Promise<string[]> {
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
  return failed.map((build) => build.workspace);
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
    default:
      return `… ${build.workspace}: ${build.status}${build.reason === null ? '' : `: ${build.reason}`}`;
  }
}
