import { parseArgs } from 'node:util';
import { UsageError, type CliIo, type Command } from '../cli-io.ts';
import { runCommand } from './run.ts';

export const retryUsage = `Usage: infrastream retry [DIR] [--workspace ID] [--config FILE]
                         [--repository OWNER/NAME#ID]

Builds again, with terraform, the workspaces whose build of the recorded revision failed or
was refused, as a new attempt each; nothing else is built and nothing is recorded. A
workspace whose newer revision was built meanwhile is not built back. Exits 1 when a
build fails again, printing its step and Terraform's error. \`infrastream run --apply\`
does the same when HEAD is the recorded revision.
  --workspace ID   only this workspace
  --config FILE    render configuration, as for \`infrastream run --apply\`
  --repository R   the repository the state is recorded under, as for \`infrastream run\``;

/** `infrastream retry`: the failed builds of the recorded revision, built again. */
export async function retryCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      workspace: { type: 'string' },
      config: { type: 'string' },
      repository: { type: 'string' },
    },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one directory, found ${positionals.length}`);
  if (values.workspace === '') throw new UsageError('--workspace needs a workspace id');
  return runCommand(
    [
      ...positionals,
      '--apply',
      ...(values.config === undefined ? [] : ['--config', values.config]),
      ...(values.repository === undefined ? [] : ['--repository', values.repository]),
    ],
    io,
    values.workspace === undefined ? {} : { workspace: values.workspace },
  );
}

/** `infrastream retry`, for the command table. */
export const command: Command = { run: retryCommand, usage: retryUsage };
