import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { hasErrors } from '../../shared/core/issues/issue.ts';
import { defaultYamlLimits } from '../../shared/core/parse/yaml-limits.ts';
import {
  GOVERNED_REPOSITORY_FORMAT,
  parseGovernedRepository,
  type GovernedRepository,
} from '../../shared/core/pipeline/governed-repository.ts';
import {
  exampleRenderConfig,
  exampleRepository,
  renderConfigSchema,
  type RenderConfig,
} from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { didYouMean } from '../../shared/core/text/suggest.ts';
import { analyze, refuseInvalid, requireManifests } from '../analyze.ts';
import { exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';
import { repositoryFolder } from '../repository-folder.ts';

export const renderUsage = `Usage: infrastream render [DIR] --out DIR [--workspace ID] [--config FILE]
                          [--repository OWNER/NAME#ID]

Renders each workspace of the repository at DIR as a Terraform root module in JSON
syntax, OUT/<workspace>/main.tf.json, calling the pre-hardened modules.
  --workspace ID   only this workspace (organization, or <unit>.<environment>.<project>)
  --config FILE    organization id, billing account, hub network, state bucket and module
                   source (pinned), as JSON; without it, placeholders for a local look
  --repository R   the repository the workspaces' Terraform state is kept under, as the
                   pipeline names it (INFRASTREAM_REPOSITORY); required with --config`;

/** `infrastream render`: the Terraform of every workspace, or of one. */
export async function renderCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      workspace: { type: 'string' },
      config: { type: 'string' },
      repository: { type: 'string' },
    },
  });
  if (values.out === undefined)
    throw new UsageError('--out is required: the folder to write the workspaces to');
  if (positionals.length > 1)
    throw new UsageError(`expected at most one directory, found ${positionals.length}`);
  const directory = repositoryFolder(io, positionals[0]);
  const config =
    values.config === undefined
      ? exampleRenderConfig
      : await readRenderConfig(resolve(io.cwd, values.config));
  // A deployment's state is under its repository's key: rendered without it, a root module
  // would plan against state that is not the workspace's.
  if (values.config !== undefined && values.repository === undefined) {
    throw new UsageError(
      `--repository is required with --config: the state of each workspace is kept under the repository (${GOVERNED_REPOSITORY_FORMAT})`,
    );
  }
  const repository =
    values.repository === undefined ? exampleRepository : repositoryOption(values.repository);

  const analysis = await analyze(readRepositoryFiles(directory, defaultYamlLimits.maxFiles), io);
  requireManifests(analysis, directory);
  if (hasErrors(analysis.issues)) {
    return refuseInvalid(
      analysis,
      io,
      'infrastream render: nothing is rendered while the repository has errors',
    );
  }
  const workspaces = compileWorkspaces(analysis.state);
  if (values.workspace !== undefined && !workspaces.has(values.workspace)) {
    throw new UsageError(
      `no workspace "${values.workspace}"${didYouMean(values.workspace, [...workspaces.keys()])}`,
    );
  }
  const out = resolve(io.cwd, values.out);
  for (const workspace of workspaces.values()) {
    if (values.workspace !== undefined && workspace.id !== values.workspace) continue;
    await mkdir(join(out, workspace.id), { recursive: true });
    await writeFile(
      join(out, workspace.id, 'main.tf.json'),
      renderWorkspace(analysis.state, workspace, config, repository),
    );
    io.stdout(`${join(out, workspace.id, 'main.tf.json')}\n`);
  }
  return exitCodes.ok;
}

/** The value of `--repository`, or a usage error that says what was expected. */
export function repositoryOption(text: string): GovernedRepository {
  const parsed = parseGovernedRepository(text);
  if (!parsed.ok) throw new UsageError(`--repository: ${parsed.message}`);
  return parsed.repository;
}

/** Reads and validates a render configuration file; a usage error names what is wrong. */
export async function readRenderConfig(file: string): Promise<RenderConfig> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--config ${file}: ${(error as Error).message}`);
  }
  const result = v.safeParse(renderConfigSchema, parsed, { abortEarly: false });
  if (!result.success) {
    const problems = result.issues.map(
      (issue) =>
        `${(issue.path ?? []).map((item) => String(item.key)).join('.')}: ${issue.message}`,
    );
    throw new UsageError(`--config ${file} is not valid:\n  ${problems.join('\n  ')}`);
  }
  return result.output;
}

/** `infrastream render`, for the command table. */
export const command: Command = { run: renderCommand, usage: renderUsage };
