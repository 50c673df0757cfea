import { parseArgs } from 'node:util';
import { UsageError, type CliIo, type Command } from '../cli-io.ts';
import { runCommand } from './run.ts';

export const releaseUsage = `Usage: infrastream release [DIR] STAGE [--config FILE]
                           [--repository OWNER/NAME#ID]

Releases a release track's stage of the recorded revision that awaits an approval, as its
operator: STAGE is \`<track>/<position>\` as \`run\` prints it (\`main/2\`). The release is
recorded in the audit trail under git's user.name, and the stage's workspaces are built
with terraform, as with \`infrastream run --apply\`. A stage whose earlier stages have not
applied stays held: a release skips the approval, never the order. Exits 1 when a build
fails, 4 while a stage still holds a workspace.
  --config FILE    render configuration, as for \`infrastream run --apply\`
  --repository R   the repository the state is recorded under, as for \`infrastream run\``;

/** `infrastream release`: an operator's release of a held stage of the recorded revision. */
export async function releaseCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { config: { type: 'string' }, repository: { type: 'string' } },
  });
  const stage = positionals.at(-1);
  if (stage === undefined || !/^[^/]+\/[1-9][0-9]*$/.test(stage)) {
    throw new UsageError(
      `expected the stage to release, as <track>/<position>, found ${stage ?? 'nothing'}`,
    );
  }
  if (positionals.length > 2)
    throw new UsageError(`expected at most one directory, found ${positionals.length - 1}`);
  return runCommand(
    [
      ...positionals.slice(0, -1),
      '--apply',
      ...(values.config === undefined ? [] : ['--config', values.config]),
      ...(values.repository === undefined ? [] : ['--repository', values.repository]),
    ],
    io,
    { release: stage },
  );
}

/** `infrastream release`, for the command table. */
export const command: Command = { run: releaseCommand, usage: releaseUsage };
