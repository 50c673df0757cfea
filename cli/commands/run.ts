import { basename, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { git } from '../../shared/adapters/git.ts';
import { isGitWorkTree, resolveCommit } from '../../shared/adapters/git-revision-files.ts';
import { PUSH_TOPIC, type PushMessage } from '../../shared/core/contracts/push-message.ts';
import type { Settings } from '../../shared/core/configuration/settings.ts';
import type { GovernedRepository } from '../../shared/core/pipeline/governed-repository.ts';
import type { RenderConfig } from '../../shared/core/render/render-config.ts';
import { formatText } from '../../shared/core/report/format-text.ts';
import { RepositoryState } from '../../shared/pipeline/repository-state.ts';
import type { StageOutcome } from '../../shared/pipeline/stage.ts';
import type { BuildDocument, DeltasStage } from '../../shared/pipeline/state-documents.ts';
import { requireManifests } from '../analyze.ts';
import { outcomeCode, printBuildOutcomes } from '../build-outcomes.ts';
import { printRefusal } from '../print-refusal.ts';
import { releaseRecorded, retryRecorded, runOnRecorded } from '../recorded-revision.ts';
import { showBuildProgress } from '../build-progress.ts';
import type { RetryOptions } from '../recorded-revision.ts';
import { EnvironmentError, exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';
import { commandSettings } from '../command-settings.ts';
import { checkStore, configuredStore, storeLocation } from '../configured-store.ts';
import {
  createEmbeddedPipeline,
  createStateFolder,
  type EmbeddedPipeline,
} from '../embedded-pipeline.ts';
import { acquireFolderLock, type FolderLock } from '../folder-lock.ts';
import { pipelineRenderConfig } from '../pipeline-render-config.ts';
import { resumeInterruptedWork } from '../resume-revision.ts';
import { repositoryFolder } from '../repository-folder.ts';
import { repositoryOption } from './render.ts';

export const runUsage = `Usage: infrastream run [DIR] [--apply] [--force] [--config FILE]
                       [--repository OWNER/NAME#ID]

Runs the whole pipeline in this process on the commit at HEAD of the git repository that
holds DIR: validate, record the desired state, compute CODEOWNERS, IAM, firewall and
egress changes, and build every affected workspace. State is kept in DIR/.infrastream/
(inspect it with \`infrastream state\`); a second run with no new commit does nothing.
  --apply          run terraform for each affected workspace (init, plan, apply); without
                   it, workspaces are rendered to DIR/.infrastream/builds/ and not applied.
                   Refused with the example's placeholders, the render configuration
                   without --config
  --force          record HEAD even when it does not descend from the recorded revision
  --config FILE    render configuration (see \`infrastream render --help\`); default
                   INFRASTREAM_RENDER_CONFIG
  --repository R   the repository the state is recorded under, as \`serve\` records it:
                   OWNER/NAME#ID; default INFRASTREAM_REPOSITORY, else local/<folder>`;

const NO_COMMIT = '0'.repeat(40);

/**
 * `infrastream run`: the pipeline, embedded, on the repository's HEAD; with `retry`, only
 * the failed builds of the recorded revision are built again, and nothing is recorded.
 */
export async function runCommand(
  args: readonly string[],
  io: CliIo,
  retry?: RetryOptions,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      apply: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      config: { type: 'string' },
      repository: { type: 'string' },
    },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one directory, found ${positionals.length}`);
  const settings = commandSettings(io, 'run', [
    ...(values.repository === undefined ? [] : (['repository'] as const)),
    ...(values.config === undefined ? [] : (['renderConfig'] as const)),
  ]);
  const directory = repositoryFolder(io, positionals[0]);
  if (!(await isGitWorkTree(directory))) {
    throw new EnvironmentError(
      `${directory} is not in a git repository: run reads the commit at HEAD (validate and plan read plain folders)`,
    );
  }
  const render = await pipelineRenderConfig(io, {
    file: values.config,
    setting: settings.renderConfig,
    apply: values.apply,
  });
  const commit = await resolveCommit(directory, 'HEAD').catch(() => {
    throw new EnvironmentError(
      `${directory} is in a git repository without commits: commit the manifests, then run`,
    );
  });
  const branch = await currentBranch(directory);
  // Named as serve names it, so that both keep one state; a local folder that is not named
  // has no GitHub id, and its state is kept under its name, local/<folder>.
  const governed =
    values.repository === undefined
      ? (settings.repository ?? { owner: 'local', name: basename(directory) })
      : repositoryOption(values.repository);
  // One run at a time: two would resume each other's builds and apply them twice.
  const lock = await acquireFolderLock(
    createStateFolder(directory),
    ['infrastream', 'run', ...args].join(' '),
  );
  try {
    return await runHoldingLock(io, lock, {
      directory,
      governed,
      settings,
      render,
      commit,
      branch,
      apply: values.apply,
      force: values.force,
      ...(retry === undefined ? {} : { retry }),
    });
  } finally {
    lock.release();
  }
}

/** The pipeline on `commit`, once this process holds the state folder. */
async function runHoldingLock(
  io: CliIo,
  lock: FolderLock,
  run: {
    readonly directory: string;
    readonly governed: GovernedRepository;
    readonly settings: Settings<'run'>;
    readonly render: RenderConfig;
    readonly commit: string;
    readonly branch: string;
    readonly apply: boolean;
    readonly force: boolean;
    readonly retry?: RetryOptions;
  },
): Promise<number> {
  const { directory, governed, settings, render, commit, branch } = run;
  const pipeline = createEmbeddedPipeline({
    directory,
    repository: governed,
    render,
    apply: run.apply,
    store: await configuredStore(settings, directory),
  });
  await checkStore(pipeline.ports.store, 'write', storeLocation(settings, directory));
  const clearProgress = showBuildProgress(io, pipeline);
  // The checked-out branch is the one the embedded pipeline applies.
  const repository = { ...governed, defaultBranch: branch };
  const state = new RepositoryState(pipeline.ports.store, repository, pipeline.ports.clock);

  const uncommitted = (await git(directory, ['status', '--porcelain', '--', '.'])).length > 0;
  io.stdout(
    `infrastream run: ${relative(io.cwd, directory) || '.'} at ${commit.slice(0, 7)} (${branch})\n`,
  );
  if (uncommitted)
    io.stdout('  note: uncommitted changes are not part of the run: commit them first\n');
  if (lock.tookOver !== undefined) {
    const { command, pid, startedAt } = lock.tookOver;
    io.stdout(
      `  note: took over ${relative(io.cwd, lock.file)} from ${command} (pid ${pid}, since ${startedAt}), which ended without letting it go\n`,
    );
  }
  const resumed = await resume(io, pipeline, state, run.apply, settings.project === undefined);
  const before = (await state.repositoryDocument()).current;
  const recorded = { pipeline, state, directory, clearProgress };
  if (run.retry?.release !== undefined) {
    const operator = await pusherName(directory);
    return releaseRecorded(io, recorded, before, run.retry.release, operator);
  }
  if (run.retry !== undefined) return retryRecorded(io, recorded, before, run.retry);

  if (before?.commit === commit && !run.force) {
    if (resumed.any) {
      const color = io.stdoutIsTty && !settings.noColor;
      const code = await report(io, color, pipeline, state, directory, commit, []);
      return resumed.failed ? exitCodes.issues : code;
    }
    return runOnRecorded(io, recorded, before, run.apply);
  }
  // Recorded, a revision of nothing would plan the destruction of all the last one declared.
  const { analysis } = await pipeline.ports.revisions.load(repository, commit);
  requireManifests(
    analysis,
    `${directory} at ${commit.slice(0, 7)}`,
    "nothing was recorded: run it on the folder of the repository's manifests",
  );
  const push: PushMessage = {
    version: 2,
    delivery: `run-${commit.slice(0, 12)}-${pipeline.ports.clock.now().replace(/[^0-9]/g, '')}`,
    repository,
    ref: `refs/heads/${branch}`,
    before: before?.commit ?? NO_COMMIT,
    after: commit,
    forced: run.force,
    created: before === null,
    deleted: false,
    pusher: await pusherName(directory),
  };
  await pipeline.bus.publish(PUSH_TOPIC, push);
  const deliveries = await pipeline.bus.drain();
  clearProgress();
  const code = await report(
    io,
    io.stdoutIsTty && !settings.noColor,
    pipeline,
    state,
    directory,
    commit,
    deliveries.map((delivery) => delivery.outcome as StageOutcome),
  );
  return resumed.failed ? exitCodes.issues : code;
}

/**
 * Finishes what a run killed before this one left unfinished, and says what that was; each
 * resumed build with how it ended.
 */
async function resume(
  io: CliIo,
  pipeline: EmbeddedPipeline,
  state: RepositoryState,
  apply: boolean,
  storeIsLocal: boolean,
): Promise<{ readonly any: boolean; readonly failed: boolean }> {
  const resumption = await resumeInterruptedWork({
    state,
    bus: pipeline.bus,
    ports: pipeline.ports,
    apply,
    storeIsLocal,
  });
  for (const note of resumption.left) io.stdout(`  note: ${note}\n`);
  const { stages, builds } = resumption;
  if (stages.length === 0 && builds.length === 0) return { any: false, failed: false };
  const what = [...stages, ...(builds.length > 0 ? [`${builds.length} builds`] : [])];
  io.stdout(`  resuming   what an interrupted run left: ${what.join(', ')}\n`);
  for (const { outcome } of await pipeline.bus.drain()) {
    const { status, detail } = outcome as StageOutcome;
    if (status === 'rejected') io.stderr(`infrastream run: ${detail}\n`);
  }
  let failed = false;
  for (const { workspace, commit, sequence } of builds) {
    const build = (await state.store.get(state.paths.build(workspace, commit))) as
      BuildDocument | undefined;
    const status = build?.sequence === sequence ? build.status : 'not recorded';
    failed ||= status !== 'SUCCESS' && status !== 'superseded';
    io.stdout(`    ${workspace} at ${commit.slice(0, 7)}: ${status}\n`);
  }
  return { any: true, failed };
}

async function report(
  io: CliIo,
  color: boolean,
  pipeline: EmbeddedPipeline,
  state: RepositoryState,
  directory: string,
  commit: string,
  outcomes: readonly StageOutcome[],
): Promise<number> {
  for (const dead of pipeline.bus.deadLetters) {
    io.stderr(`infrastream run: the ${dead.topic} stage failed: ${String(dead.error)}\n`);
  }
  for (const outcome of outcomes.filter((item) => item.status === 'rejected')) {
    io.stderr(`infrastream run: ${outcome.detail}\n`);
  }
  const stored = await state.commit(commit);
  const parse = stored?.stages.parse;
  if (stored === undefined || parse === undefined) return exitCodes.issues;
  const revision = await pipeline.ports.revisions.load(state.repository, commit);
  const { issues, sources } = revision.analysis;
  if (parse.status === 'failed') {
    io.stdout(
      formatText({ manifests: parse.manifests, files: parse.files, issues, sources }, { color }),
    );
    io.stdout('  nothing was recorded or built: the commit has errors\n');
    return exitCodes.issues;
  }
  io.stdout(
    `  validated  ${parse.manifests} manifests in ${parse.files} files: ${parse.errors} errors, ${parse.warnings} warnings\n`,
  );
  const record = stored.stages.record;
  if (record?.status !== 'recorded') {
    io.stdout(
      record?.status === 'unchanged'
        ? '  No change: this commit is already the recorded revision. Nothing to do.\n'
        : `  skipped    ${record?.reason ?? 'not recorded'} (--force records it anyway)\n`,
    );
    return pipeline.bus.deadLetters.length > 0 ? exitCodes.issues : exitCodes.ok;
  }
  const sequence = record.sequence ?? 0;
  const revisionDocument = (await state.store.get(state.paths.revision(sequence))) as
    | { readonly changes: Record<string, { added: number; changed: number; removed: number }> }
    | undefined;
  const counts = (name: string, label: string) => {
    const item = revisionDocument?.changes[name];
    return item === undefined ? '' : `${label} +${item.added} ~${item.changed} -${item.removed}`;
  };
  // Edges are stored per resource, the links that leave it together.
  io.stdout(
    `  recorded   revision ${sequence}: ${counts('resources', 'resources')}, ${counts('edges', 'their links')}\n`,
  );
  const deltas = stored.stages.deltas;
  if (deltas === undefined) return exitCodes.issues;
  if (deltas.base !== undefined && deltas.base !== (record.previous ?? null)) {
    io.stdout(
      `  planned    against ${deltas.base?.slice(0, 7) ?? 'nothing'}, the last revision accepted: the revision before it was refused and nothing of it applied\n`,
    );
  }
  io.stdout(`  CODEOWNERS ${codeownersLine(deltas.codeowners)}\n`);
  const summary = deltas.summary;
  io.stdout(
    `  changes    ${deltas.workspaces.length} workspaces: ${summary.create ?? 0} to create, ${summary.update ?? 0} to change, ${summary.destroy ?? 0} to destroy${(summary.replace ?? 0) > 0 ? ` (${summary.replace} replaced)` : ''}; IAM +${summary.iamAdd ?? 0} -${summary.iamRemove ?? 0}; firewall ${summary.firewallChanges ?? 0}; egress ${summary.egressChanges ?? 0}\n`,
  );
  for (const delta of await state.store.list(state.paths.deltas(commit))) {
    const item = delta.data as Record<string, number | string>;
    if (item.sequence !== sequence) continue;
    io.stdout(
      `    ~ ${String(item.workspace)}: +${item.create} ~${item.update} -${item.destroy}${typeof item.replace === 'number' && item.replace > 0 ? ` -/+${item.replace}` : ''} resources, IAM +${item.iamAdd} -${item.iamRemove}, firewall ${item.firewall}, egress ${item.egress}\n`,
    );
  }
  if (deltas.refused !== undefined) return printRefusal(io, deltas.refused, deltas.base);
  const { failed, held } = await printBuildOutcomes(io, state, directory, { commit, sequence });
  return outcomeCode(failed, held, pipeline.bus.deadLetters.length);
}

function codeownersLine(status: DeltasStage['codeowners']): string {
  switch (status) {
    case 'unchanged':
      return 'up to date';
    case 'not-written':
      return 'differs from .github/CODEOWNERS: run `infrastream codeowners --write`';
    case 'committed':
      return 'committed';
    case 'branch-moved':
      return 'not committed: the branch moved on';
  }
}

async function currentBranch(directory: string): Promise<string> {
  try {
    return (await git(directory, ['symbolic-ref', '--short', '-q', 'HEAD'])).toString().trim();
  } catch {
    throw new UsageError('HEAD is detached: check out the branch to run');
  }
}

async function pusherName(directory: string): Promise<string> {
  const name = await git(directory, ['config', 'user.name']).catch(() => Buffer.from(''));
  return name.toString().trim() || 'local';
}

/** `infrastream run`, for the command table. */
export const command: Command = { run: runCommand, usage: runUsage };
