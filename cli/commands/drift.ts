import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { git } from '../../shared/adapters/git.ts';
import { isGitWorkTree, resolveCommit } from '../../shared/adapters/git-revision-files.ts';
import { createAssetDriftReaders } from '../../shared/adapters/asset-drift-source.ts';
import { createGitHubClient, gitHubWebRoot } from '../../shared/adapters/github-client.ts';
import { createGitHubDriftPublisher } from '../../shared/adapters/github-drift-publisher.ts';
import { createLocalBuildRunner } from '../../shared/adapters/local-build-runner.ts';
import { LocalRepositorySource } from '../../shared/adapters/local-repository-source.ts';
import { systemClock } from '../../shared/adapters/system-clock.ts';
import { createTerraformDriftReader } from '../../shared/adapters/terraform-drift-reader.ts';
import {
  ACKNOWLEDGEMENTS_FILE,
  readAcknowledgements,
  type AcknowledgementsFile,
} from '../../shared/core/drift/drift-acknowledgements.ts';
import { formatDriftSarif } from '../../shared/core/drift/drift-sarif.ts';
import { formatDriftJson, formatDriftText } from '../../shared/core/drift/drift-report.ts';
import { settingDefinitions, type Settings } from '../../shared/core/configuration/settings.ts';
import { renderConfigPlaceholders } from '../../shared/core/render/render-config.ts';
import {
  createCodeownersDriftReader,
  createPipelineDriftReader,
} from '../../shared/pipeline/drift-readers.ts';
import { runDriftSweep } from '../../shared/pipeline/drift-sweep.ts';
import { organizationFile } from '../../shared/pipeline/organization-file.ts';
import { RevisionLoader } from '../../shared/pipeline/revision-loader.ts';
import { repositoryPaths, type RepositoryDocument } from '../../shared/pipeline/state-documents.ts';
import type { DocumentStore } from '../../shared/ports/document-store.ts';
import { unavailablePublisher, type DriftPublisher } from '../../shared/ports/drift-publisher.ts';
import { unavailableReader, type DriftReader } from '../../shared/ports/drift-reader.ts';
import type { RepositoryRef } from '../../shared/ports/repository-source.ts';
import { EnvironmentError, exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';
import { commandSettings } from '../command-settings.ts';
import { checkStore, configuredStore, storeLocation } from '../configured-store.ts';
import { createStateFolder } from '../embedded-pipeline.ts';
import { pipelineRenderConfig } from '../pipeline-render-config.ts';
import { repositoryFolder } from '../repository-folder.ts';
import { version } from '../version.ts';
import { repositoryOption } from './render.ts';

/** Why the embedded sweep reads no inventory: it calls no Google API of its own. */
const noInventory =
  'no Cloud Asset Inventory output given: export it with gcloud and pass it with --assets FILE';

export const driftUsage = `Usage: infrastream drift [DIR] [--config FILE] [--assets FILE]... [--workspace ID]
                         [--format text|json|sarif] [--repository OWNER/NAME#ID] [--no-publish]

Sweeps for drift: what the cloud, Git and the pipeline hold against what was applied.
Each applied workspace is planned refresh-only (terraform plan -refresh-only -lock=false)
as rendered at its last applied commit, never applied; the CODEOWNERS of the revision the
pipeline recorded as current (HEAD when none is) is compared with the one generated from it,
and the acknowledgements are read there; failed and lagging builds are reported. Findings are kept
with the state (see \`infrastream state drift\`), and a sweep writes only those that
appeared, changed or resolved. With the GitHub App configured (INFRASTREAM_GITHUB_APP_ID,
_PRIVATE_KEY, _INSTALLATION_ID), the sweep is published once stored: one issue per workspace
with open drift, and the SARIF log to code scanning, each sent only when it changed. Exit 0
when no drift is open (acknowledged drift aside), 1 when some is, 2 on a usage or environment
error; a failed publication is reported and changes neither.
  --config FILE    render configuration, as \`run --apply\` needs it; default
                   INFRASTREAM_RENDER_CONFIG (without it the terraform source is unavailable)
  --assets FILE    Cloud Asset Inventory output to read for the iam and resources sources
                   (repeatable)
  --workspace ID   sweep one workspace only
  --format F       text (default), json, or sarif (for code scanning)
  --repository R   the repository the state is recorded under, as \`run\` records it`;

/** `infrastream drift`: one sweep, embedded. */
export async function driftCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      assets: { type: 'string', multiple: true, default: [] },
      workspace: { type: 'string' },
      format: { type: 'string', default: 'text' },
      repository: { type: 'string' },
      'no-publish': { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one directory, found ${positionals.length}`);
  const format = values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif')
    throw new UsageError(`--format must be text, json or sarif, found "${format}"`);
  const settings = commandSettings(io, 'drift', [
    ...(values.repository === undefined ? [] : (['repository'] as const)),
    ...(values.config === undefined ? [] : (['renderConfig'] as const)),
  ]);
  const directory = repositoryFolder(io, positionals[0]);
  if (!(await isGitWorkTree(directory))) {
    throw new EnvironmentError(
      `${directory} is not in a git repository: drift compares with the commits the pipeline applied`,
    );
  }
  const head = await resolveCommit(directory, 'HEAD').catch(() => {
    throw new EnvironmentError(`${directory} is in a git repository without commits`);
  });
  const render = await pipelineRenderConfig(io, {
    file: values.config,
    setting: settings.renderConfig,
    apply: false,
  });
  const repository =
    values.repository === undefined
      ? (settings.repository ?? { owner: 'local', name: basename(directory) })
      : repositoryOption(values.repository);
  const store = await configuredStore(settings, directory);
  await checkStore(store, 'write', storeLocation(settings, directory));
  const reviewed = await recordedCurrent(store, repository, directory, head);
  const folder = createStateFolder(directory);
  const revisions = new RevisionLoader(new LocalRepositorySource(directory), {
    log: () => undefined,
  });

  const placeholders = renderConfigPlaceholders(render);
  const terraform: DriftReader =
    placeholders.length > 0
      ? unavailableReader(
          'terraform',
          `needs the organization's render configuration (--config FILE or INFRASTREAM_RENDER_CONFIG): ${placeholders.join(', ')} are the example's placeholders`,
        )
      : createTerraformDriftReader({
          store,
          repository,
          revisions,
          runner: createLocalBuildRunner({ stateDir: folder }),
          render,
          directory: join(folder, 'builds'),
        });
  const assets = values.assets;
  const readers: DriftReader[] = [
    terraform,
    ...(assets.length === 0
      ? [unavailableReader('iam', noInventory), unavailableReader('resources', noInventory)]
      : createAssetDriftReaders({
          settings: { assetFiles: assets, platformMembers: [] },
          store,
          repository,
          revisions,
          render,
          head,
        })),
    createCodeownersDriftReader({ repository, revisions, head: reviewed }),
    unavailableReader('github', 'no GitHub connection in the embedded sweep'),
    createPipelineDriftReader({
      store,
      repository,
      maxLagMinutes: settings.driftMaxLagMinutes,
    }),
  ];

  const publisher = values['no-publish']
    ? unavailablePublisher('--no-publish: nothing was sent to GitHub')
    : await gitHubPublisher(settings, {
        repository,
        commit: reviewed,
        unlocatedFile: () => organizationFile(revisions, repository, reviewed),
        repositoryGiven: values.repository !== undefined || settings.repository !== undefined,
      });

  const acknowledgements = await readAcknowledgementsAt(directory, reviewed, systemClock.now());
  for (const issue of acknowledgements.issues)
    io.stderr(
      `${issue.file}:${issue.line}:${issue.column}: ${issue.severity} ${issue.message} [${issue.rule}]\n`,
    );
  const report = await runDriftSweep({
    store,
    repository,
    readers,
    acknowledgements: acknowledgements.acknowledgements,
    acknowledgementsCommit: reviewed,
    clock: systemClock,
    publisher,
    ...(values.workspace === undefined ? {} : { workspace: values.workspace }),
  });
  const { publication } = report.sweep;
  // The findings are stored whatever GitHub said: the exit code stays theirs, this line tells.
  if (publication?.status === 'failed' || publication?.status === 'partial')
    io.stderr(
      `infrastream drift: warning: publishing to GitHub ${publication.status === 'failed' ? 'failed' : 'went part of the way'}: ${publication.detail}\n`,
    );
  io.stdout(
    format === 'json'
      ? formatDriftJson(report)
      : format === 'sarif'
        ? formatDriftSarif(report.findings, {
            toolVersion: version,
            unlocatedFile: await organizationFile(revisions, repository, reviewed),
          })
        : formatDriftText(report),
  );
  return report.findings.some((finding) => finding.acknowledged === undefined)
    ? exitCodes.issues
    : exitCodes.ok;
}

/**
 * The revision the pipeline recorded as current, the default branch's head as the last run
 * saw it: acknowledgements and CODEOWNERS are read there, never from whatever branch is
 * checked out, where an unreviewed acknowledgement would hide drift. HEAD when no run has
 * recorded one.
 */
async function recordedCurrent(
  store: DocumentStore,
  repository: RepositoryRef,
  directory: string,
  head: string,
): Promise<string> {
  const recorded = (await store.get(repositoryPaths(repository).repository)) as
    RepositoryDocument | undefined;
  const commit = recorded?.current?.commit;
  if (commit === undefined) return head;
  return resolveCommit(directory, commit).catch(() => {
    throw new EnvironmentError(
      `${directory} does not hold ${commit}, the revision the pipeline recorded as current: fetch it`,
    );
  });
}

/** The acknowledgements as committed at `commit`: reviewed like every other change. */
async function readAcknowledgementsAt(
  directory: string,
  commit: string,
  now: string,
): Promise<AcknowledgementsFile> {
  const text = await git(directory, ['show', `${commit}:./${ACKNOWLEDGEMENTS_FILE}`])
    .then((bytes) => bytes.toString('utf8'))
    .catch(() => undefined);
  return text === undefined
    ? { acknowledgements: [], issues: [] }
    : readAcknowledgements(text, now);
}

/** The GitHub App's settings: all of them, or none for a sweep that publishes nowhere. */
const gitHubSettings = ['githubAppId', 'githubPrivateKey', 'githubInstallationId'] as const;

/**
 * Publishes to GitHub as the pipeline's App when its settings are there: none of them is a
 * local look, published nowhere; some of them is a mistake, refused rather than silently
 * publishing nothing.
 */
async function gitHubPublisher(
  settings: Settings<'drift'>,
  target: {
    readonly repository: RepositoryRef;
    readonly commit: string;
    readonly unlocatedFile: () => Promise<string>;
    /** Whether the repository was named, not made up from the folder's name. */
    readonly repositoryGiven: boolean;
  },
): Promise<DriftPublisher> {
  const variables = (names: readonly (typeof gitHubSettings)[number][]) =>
    names.map((name) => settingDefinitions[name].variable);
  const { githubAppId: appId, githubPrivateKey: privateKey } = settings;
  const installationId = settings.githubInstallationId;
  if (appId === undefined || privateKey === undefined || installationId === undefined) {
    const missing = gitHubSettings.filter((name) => settings[name] === undefined);
    if (missing.length === gitHubSettings.length)
      return unavailablePublisher(
        `GitHub is not configured (${variables(gitHubSettings).join(', ')}): nothing was published`,
      );
    throw new EnvironmentError(
      `publishing drift to GitHub needs ${variables(missing).join(' and ')} too (or --no-publish)`,
    );
  }
  if (!target.repositoryGiven)
    throw new EnvironmentError(
      'publishing drift to GitHub needs the repository: set INFRASTREAM_REPOSITORY or --repository OWNER/NAME#ID (or --no-publish)',
    );
  let octokit;
  try {
    octokit = createGitHubClient({
      appId,
      privateKey,
      installationId,
      ...(settings.githubApiUrl === undefined ? {} : { baseUrl: settings.githubApiUrl }),
    });
  } catch (error) {
    throw new EnvironmentError((error as Error).message);
  }
  return createGitHubDriftPublisher({
    octokit,
    repository: target.repository,
    commit: target.commit,
    unlocatedFile: await target.unlocatedFile(),
    toolVersion: version,
    ...(settings.githubApiUrl === undefined
      ? {}
      : { webUrl: gitHubWebRoot(settings.githubApiUrl) }),
  });
}

/** `infrastream drift`, for the command table. */
export const command: Command = { run: driftCommand, usage: driftUsage };
