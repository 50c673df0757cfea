import { parseArgs } from 'node:util';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { hasErrors } from '../../shared/core/issues/issue.ts';
import { defaultYamlLimits } from '../../shared/core/parse/yaml-limits.ts';
import { formatGithub } from '../../shared/core/report/format-github.ts';
import { formatJson } from '../../shared/core/report/format-json.ts';
import { formatSarif } from '../../shared/core/report/format-sarif.ts';
import { formatText } from '../../shared/core/report/format-text.ts';
import type { ValidationReport } from '../../shared/core/report/validation-report.ts';
import { analyze, requireManifests } from '../analyze.ts';
import { exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';
import { commandSettings } from '../command-settings.ts';
import { repositoryFolder } from '../repository-folder.ts';
import { version } from '../version.ts';

const formats = ['text', 'json', 'sarif', 'github'] as const;
type Format = (typeof formats)[number];

export const validateUsage = `Usage: infrastream validate [DIR] [--format text|json|sarif|github]

Reads every YAML file under DIR (default: the current directory), validates each
lowops.manifests.v1 manifest and the references between them, and reports every issue.
Exit status: 0 when there are no errors, 1 when there are, 2 on a usage error or when
DIR does not exist or holds no manifest.`;

/** `infrastream validate`: the whole repository, every issue, in the chosen format. */
export async function validateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { format: { type: 'string', short: 'f', default: 'text' } },
  });
  const format = values.format;
  if (!formats.includes(format as Format)) {
    throw new UsageError(`--format must be one of ${formats.join(', ')}, not "${format}"`);
  }
  if (positionals.length > 1)
    throw new UsageError(`expected at most one directory, found ${positionals.length}`);
  const directory = repositoryFolder(io, positionals[0]);

  const result = await analyze(readRepositoryFiles(directory, defaultYamlLimits.maxFiles), io);
  requireManifests(result, directory);

  const report: ValidationReport = {
    manifests: result.manifestCount,
    files: result.files,
    issues: result.issues,
    sources: result.sources,
  };
  io.stdout(render(format as Format, report, io));
  return hasErrors(result.issues) ? exitCodes.issues : exitCodes.ok;
}

function render(format: Format, report: ValidationReport, io: CliIo): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report, { toolVersion: version });
    case 'github':
      return formatGithub(report);
    case 'text':
      return formatText(report, {
        color: io.stdoutIsTty && !commandSettings(io, 'validate').noColor,
      });
  }
}

/** `infrastream validate`, for the command table. */
export const command: Command = { run: validateCommand, usage: validateUsage };
