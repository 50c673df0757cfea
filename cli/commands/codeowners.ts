import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { hasErrors } from '../../shared/core/issues/issue.ts';
import { defaultYamlLimits } from '../../shared/core/parse/yaml-limits.ts';
import { analyze, refuseInvalid, requireManifests } from '../analyze.ts';
import { exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';
import { repositoryFolder } from '../repository-folder.ts';

export const codeownersUsage = `Usage: infrastream codeowners [DIR] [--check | --write]

Computes the CODEOWNERS of the repository at DIR (default: the current directory):
each manifest is owned by the administrators and contributors of itself and of its
ancestors. Prints it, or with --check compares it with DIR/.github/CODEOWNERS (exit 1 and
a diff when they differ), or with --write writes it there.`;

/** `infrastream codeowners`: print, check or write the computed CODEOWNERS. */
export async function codeownersCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      check: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
    },
  });
  if (values.check && values.write)
    throw new UsageError('--check and --write cannot be used together');
  if (positionals.length > 1)
    throw new UsageError(`expected at most one directory, found ${positionals.length}`);
  const directory = repositoryFolder(io, positionals[0]);
  const analysis = await analyze(readRepositoryFiles(directory, defaultYamlLimits.maxFiles), io);
  requireManifests(analysis, directory);
  if (hasErrors(analysis.issues)) {
    return refuseInvalid(
      analysis,
      io,
      'infrastream codeowners: the repository has errors; CODEOWNERS is computed from valid repositories only',
    );
  }
  const computed = analysis.codeowners.text;
  const target = join(directory, '.github', 'CODEOWNERS');
  if (values.write) {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, computed);
    io.stderr(`wrote ${target} (${analysis.codeowners.lines.length} lines)\n`);
    return exitCodes.ok;
  }
  if (values.check) {
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === computed) {
      io.stdout(`${target} is up to date\n`);
      return exitCodes.ok;
    }
    io.stdout(
      createTwoFilesPatch(
        '.github/CODEOWNERS',
        '.github/CODEOWNERS (computed)',
        current ?? '',
        computed,
        current === undefined ? 'missing' : undefined,
        undefined,
      ),
    );
    return exitCodes.issues;
  }
  // Exactly the file's content (no trailing newline), so `> .github/CODEOWNERS` is exact.
  io.stdout(io.stdoutIsTty ? `${computed}\n` : computed);
  return exitCodes.ok;
}

/** `infrastream codeowners`, for the command table. */
export const command: Command = { run: codeownersCommand, usage: codeownersUsage };
