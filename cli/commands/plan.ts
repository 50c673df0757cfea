import { parseArgs } from 'node:util';
import { isGitWorkTree, readRevisionFiles } from '../../shared/adapters/git-revision-files.ts';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { buildPlan } from '../../shared/core/governance/build-plan.ts';
import { buildDesiredState } from '../../shared/core/governance/desired-state.ts';
import { hasErrors } from '../../shared/core/issues/issue.ts';
import { defaultYamlLimits } from '../../shared/core/parse/yaml-limits.ts';
import { formatPlanText } from '../../shared/core/report/format-plan.ts';
import type { RepositoryFile } from '../../shared/core/validate/validate-repository.ts';
import { analyze, refuseInvalid } from '../analyze.ts';
import { exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';
import { commandSettings } from '../command-settings.ts';
import { repositoryFolder } from '../repository-folder.ts';

export const planUsage = `Usage: infrastream plan [DIR] [--base REV] [--head REV] [--format text|json]

Shows what a change does: the IAM bindings, firewall rules, egress entries, resources and
CODEOWNERS lines it adds, changes and removes, in the workspaces it affects only, with
the manifest entry behind each, the resources it replaces and what forces them, the
routes it makes public and the approvals it needs from the owners of what it reaches. It
exits 1 when the change would replace or destroy a database cluster, bucket, secret or
topic whose declaration does not allow it.
  --base REV   the revision to compare with (default: HEAD; nothing outside a git repository)
  --head REV   the revision to plan (default: the files on disk)`;

/** `infrastream plan`: the governance diff between two revisions of a repository. */
export async function planCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      base: { type: 'string' },
      head: { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
  });
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format must be text or json, not "${values.format}"`);
  if (positionals.length > 1)
    throw new UsageError(`expected at most one directory, found ${positionals.length}`);
  const directory = repositoryFolder(io, positionals[0]);
  const inGit = await isGitWorkTree(directory);
  if (!inGit && (values.base !== undefined || values.head !== undefined))
    throw new UsageError(
      `${directory} is not in a git repository, so --base and --head name nothing`,
    );

  const read = async (revision: string | undefined): Promise<RepositoryFile[]> => {
    try {
      return revision === undefined
        ? readRepositoryFiles(directory, defaultYamlLimits.maxFiles)
        : await readRevisionFiles(directory, revision, defaultYamlLimits.maxFiles);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  };
  const baseRevision = values.base ?? (inGit ? 'HEAD' : undefined);
  const head = await analyze(await read(values.head), io);
  if (hasErrors(head.issues)) {
    return refuseInvalid(
      head,
      io,
      'infrastream plan: nothing is planned while the repository has errors',
    );
  }
  const baseFiles =
    baseRevision === undefined
      ? []
      : await read(baseRevision).catch((error: unknown) => {
          // A repository without commits has no HEAD: everything is new.
          if (values.base === undefined) return [];
          throw error;
        });
  const base = await analyze(baseFiles, { ...io, stderrIsTty: false });
  const plan = buildPlan(
    {
      label: baseRevision ?? null,
      state: hasErrors(base.issues) ? buildDesiredState(base.manifests) : base.state,
    },
    { label: values.head ?? 'working tree', state: head.state },
  );
  io.stdout(
    values.format === 'json'
      ? `${JSON.stringify(plan, null, 2)}\n`
      : formatPlanText(plan, { color: io.stdoutIsTty && !commandSettings(io, 'plan').noColor }),
  );
  if (hasErrors(plan.issues)) {
    io.stderr(
      'infrastream plan: the change loses data its declarations do not allow (see "Refused")\n',
    );
    return exitCodes.issues;
  }
  return exitCodes.ok;
}

/** `infrastream plan`, for the command table. */
export const command: Command = { run: planCommand, usage: planUsage };
