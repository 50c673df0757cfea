import type { PlanRefusal } from '../shared/pipeline/state-documents.ts';
import { exitCodes, type CliIo } from './cli-io.ts';

/**
 * Prints the errors a revision's plan refuses it for, and why nothing of it is applied, and
 * which revision the next one is planned against, when known (`base`: the last accepted);
 * returns the exit status of a repository with errors, as `infrastream plan` exits.
 */
export function printRefusal(io: CliIo, refused: PlanRefusal, base?: string | null): number {
  for (const issue of refused.issues)
    io.stdout(`  ! ${issue.file}:${issue.line}:${issue.column} ${issue.rule}: ${issue.message}\n`);
  io.stdout(`  ${refused.reason}\n`);
  if (base !== undefined) {
    io.stdout(
      `  a new revision fixes it: it is planned against ${base === null ? 'nothing' : base.slice(0, 7)}, the last revision accepted\n`,
    );
  }
  return exitCodes.issues;
}
