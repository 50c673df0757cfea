import type { PlanRefusal } from '../shared/pipeline/state-documents.ts';
import { exitCodes, type CliIo } from './cli-io.ts';

/**
 * Prints the errors a revision's plan refuses it for, and why nothing of it is applied;
 * returns the exit status of a repository with errors, as `infrastream plan` exits.
 */
export function printRefusal(io: CliIo, refused: PlanRefusal): number {
  for (const issue of refused.issues)
    io.stdout(`  ! ${issue.file}:${issue.line}:${issue.column} ${issue.rule}: ${issue.message}\n`);
  io.stdout(`  ${refused.reason}\n`);
  return exitCodes.issues;
}
