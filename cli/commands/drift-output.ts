import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeDriftBuildOutput } from '../../shared/core/drift/drift-build-output.ts';
import { readResourceDrift } from '../../shared/core/drift/read-resource-drift.ts';
import { exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';

/** The help of `infrastream drift-output`. */
export const driftOutputUsage = `Usage: infrastream drift-output FILE --workspace ID

Prints the drift a refresh-only plan (terraform show -json of terraform plan -refresh-only)
saw in one workspace, as the scheduled sweep's drift builds hand it back: each attribute
changed outside Terraform, rated, sensitive values masked; only their count when they are
more than a build's step output holds. Exit 0, or 2 on a usage error or a FILE that cannot
be read or is not a plan.`;

/** `infrastream drift-output`: the last step of a drift build in Cloud Build. */
export async function driftOutputCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { workspace: { type: 'string' } },
  });
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError('expected the plan FILE');
  if (extra.length > 0) throw new UsageError(`expected one FILE, found ${positionals.length}`);
  const workspace = values.workspace;
  if (workspace === undefined || workspace === '')
    throw new UsageError('expected --workspace ID, the workspace the plan is of');
  let plan: unknown;
  try {
    plan = JSON.parse(await readFile(resolve(io.cwd, file), 'utf8'));
  } catch (error) {
    io.stderr(`infrastream drift-output: ${file}: ${(error as Error).message}\n`);
    return exitCodes.usage;
  }
  // Located by the collecting step, which has the manifests: the build has their rendering.
  const read = readResourceDrift(plan, workspace, () => undefined);
  if (!read.ok) {
    io.stderr(`infrastream drift-output: ${file}: ${read.message}\n`);
    return exitCodes.usage;
  }
  io.stdout(encodeDriftBuildOutput(read.observations));
  return exitCodes.ok;
}

/** `infrastream drift-output`, for the command table. */
export const command: Command = { run: driftOutputCommand, usage: driftOutputUsage };
