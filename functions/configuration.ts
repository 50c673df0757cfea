import packageJson from '../package.json' with { type: 'json' };
import type { CloudBuildClient } from '@google-cloud/cloudbuild';
import { FirestoreDocumentStore } from '../shared/adapters/firestore-document-store.ts';
import { createGitHubClient, gitHubWebRoot } from '../shared/adapters/github-client.ts';
import { createGitHubCodeOwnersWriter } from '../shared/adapters/github-code-owners-writer.ts';
import { createGitHubCommitReporter } from '../shared/adapters/github-commit-reporter.ts';
import { createGitHubPullRequests } from '../shared/adapters/github-pull-requests.ts';
import { createGitHubRepositorySource } from '../shared/adapters/github-repository-source.ts';
import { PubSubPublisher } from '../shared/adapters/pubsub-publisher.ts';
import { createCloudBuildService } from '../shared/adapters/cloud-build-service.ts';
import { systemClock } from '../shared/adapters/system-clock.ts';
import { createAssetDriftReaders } from '../shared/adapters/asset-drift-source.ts';
import { createGitHubDriftPublisher } from '../shared/adapters/github-drift-publisher.ts';
import { readBranchProtectionDrift } from '../shared/adapters/github-branch-protection-source.ts';
import type { AssetInventory } from '../shared/ports/asset-inventory.ts';
import type { DriftStageSettings } from '../shared/pipeline/drift-stage.ts';
import {
  parseConfiguration,
  type Environment,
} from '../shared/core/configuration/parse-configuration.ts';
import type { Settings } from '../shared/core/configuration/settings.ts';
import { renderConfigPlaceholders } from '../shared/core/render/render-config.ts';
import {
  createPipeline,
  type Pipeline,
  type PipelineAdapters,
} from '../shared/pipeline/create-pipeline.ts';

export type { Environment } from '../shared/core/configuration/parse-configuration.ts';

/** The functions that read settings: ingest over HTTP, and the stages on Pub/Sub. */
export type FunctionRuntime = 'ingest' | 'stages';

/**
 * The settings of a function, read from `env` (the README's "Configuration"). A deprecated
 * name is logged as a structured warning; a setting missing or not valid stops the function
 * with an error that names every variable at fault.
 */
export function functionSettings<R extends FunctionRuntime>(
  env: Environment,
  runtime: R,
): Settings<R> {
  const { settings, warnings, errors } = parseConfiguration(env, runtime);
  for (const warning of warnings) {
    console.log(
      JSON.stringify({ severity: 'WARNING', variable: warning.variable, message: warning.message }),
    );
  }
  // Applying with the example's placeholders would build in no real organization at best.
  if (errors.length === 0 && runtime === 'stages') {
    const stages = settings as Settings<'stages'>;
    const placeholders = renderConfigPlaceholders(stages.renderConfig);
    if (stages.apply && placeholders.length > 0) {
      throw new Error(
        `INFRASTREAM_RENDER_CONFIG: expected the organization's own settings to apply, found the example's placeholders in ${placeholders.join(', ')} (or set INFRASTREAM_APPLY=false to plan only)`,
      );
    }
  }
  if (errors.length > 0) throw new Error(errors.map((error) => error.message).join('; '));
  return settings;
}

/** The state store: Firestore, on its emulator when `FIRESTORE_EMULATOR_HOST` is set. */
export function firestoreOf(
  settings: Pick<Settings<'ingest'>, 'project' | 'firestoreDatabase' | 'firestoreEmulatorHost'>,
): FirestoreDocumentStore {
  const emulatorHost = settings.firestoreEmulatorHost;
  return new FirestoreDocumentStore({
    projectId: settings.project,
    databaseId: settings.firestoreDatabase,
    ...(emulatorHost === undefined ? {} : { emulatorHost }),
  });
}

/** The bus: Pub/Sub, on its emulator when `PUBSUB_EMULATOR_HOST` is set. */
export function publisherOf(
  settings: Pick<Settings<'ingest'>, 'project' | 'topicPrefix' | 'pubsubEmulatorHost'>,
): PubSubPublisher {
  const emulatorHost = settings.pubsubEmulatorHost;
  return new PubSubPublisher({
    projectId: settings.project,
    topicPrefix: settings.topicPrefix,
    ...(emulatorHost === undefined ? {} : { emulatorHost }),
  });
}

/** The adapters of the stages in Google Cloud, with the clients that can be closed. */
export interface GoogleCloudAdapters extends PipelineAdapters {
  readonly store: FirestoreDocumentStore;
  readonly publisher: PubSubPublisher;
}

/**
 * The adapters of the stages in Google Cloud: Firestore, Pub/Sub, GitHub as an App
 * installation and Cloud Build. `cloudBuildClient` is for a Cloud Build that is not
 * Google's, such as the tests' loopback one.
 */
export function googleCloudAdapters(
  settings: Settings<'stages'>,
  options: {
    readonly cloudBuildClient?: CloudBuildClient;
    /** For an inventory that is not Google's, such as the tests' loopback one. */
    readonly assetInventory?: AssetInventory;
  } = {},
): GoogleCloudAdapters {
  const octokit = createGitHubClient({
    appId: settings.githubAppId,
    privateKey: settings.githubPrivateKey,
    installationId: settings.githubInstallationId,
    ...(settings.githubApiUrl === undefined ? {} : { baseUrl: settings.githubApiUrl }),
  });
  const store = firestoreOf(settings);
  return {
    repository: settings.repository,
    store,
    publisher: publisherOf(settings),
    source: createGitHubRepositorySource({ octokit }),
    reporter: createGitHubCommitReporter({ octokit, appId: settings.githubAppId }),
    codeOwners: createGitHubCodeOwnersWriter({ octokit }),
    pullRequests: createGitHubPullRequests({ octokit }),
    builds: cloudBuildOf(settings, options.cloudBuildClient),
    clock: systemClock,
    render: settings.renderConfig,
    apply: settings.apply,
    drift: driftSettingsOf(settings, { octokit, store, inventory: options.assetInventory }),
  };
}

/**
 * The scheduled sweep's settings: the live sources read with the function's own identity
 * (Cloud Asset Inventory on the organization, the branch protection through the App), and
 * the pipeline's own identities and project, which no manifest governs, left out of what
 * the inventory reports as unmanaged.
 */
function driftSettingsOf(
  settings: Settings<'stages'>,
  clients: {
    readonly octokit: ReturnType<typeof createGitHubClient>;
    readonly store: FirestoreDocumentStore;
    readonly inventory: AssetInventory | undefined;
  },
): DriftStageSettings {
  const { octokit, store, inventory } = clients;
  const identities = [
    settings.cloudBuild['serviceAccount'],
    settings.cloudBuild['driftServiceAccount'],
  ]
    .filter((email): email is string => typeof email === 'string')
    .map((email) => `serviceAccount:${email}`);
  return {
    schedule: settings.driftSchedule,
    maxLagMinutes: settings.driftMaxLagMinutes,
    liveReaders: ({ revisions, head }) => {
      let protection: ReturnType<typeof readBranchProtectionDrift> | undefined;
      return [
        ...createAssetDriftReaders({
          settings: {
            platformMembers: identities,
            platformProjects: [settings.project],
            ...(inventory === undefined ? {} : { inventory }),
          },
          store,
          repository: settings.repository,
          revisions,
          render: settings.renderConfig,
          head,
        }),
        {
          name: 'github',
          read: async () => {
            protection ??= readBranchProtectionDrift({ octokit, repository: settings.repository });
            return protection;
          },
        },
      ];
    },
    sweepPublisher: ({ head, unlocatedFile }) =>
      createGitHubDriftPublisher({
        octokit,
        repository: settings.repository,
        commit: head,
        unlocatedFile,
        toolVersion: packageJson.version,
        ...(settings.githubApiUrl === undefined
          ? {}
          : { webUrl: gitHubWebRoot(settings.githubApiUrl) }),
      }),
  };
}

/** The Cloud Build adapter; its own check of the options is named by their variable. */
function cloudBuildOf(
  settings: Pick<Settings<'stages'>, 'cloudBuild' | 'renderConfig'>,
  client: CloudBuildClient | undefined,
) {
  try {
    return createCloudBuildService({
      ...settings.cloudBuild,
      renderConfig: settings.renderConfig,
      ...(client === undefined ? {} : { client }),
    } as Parameters<typeof createCloudBuildService>[0]);
  } catch (error) {
    throw new Error(`INFRASTREAM_CLOUD_BUILD: ${(error as Error).message}`, { cause: error });
  }
}

/** The pipeline of the stages in Google Cloud, from the function's environment. */
export function googleCloudPipeline(env: Environment): Pipeline {
  // Each stage is a function of its own: a cold one reads parse's snapshot of a revision.
  return createPipeline(googleCloudAdapters(functionSettings(env, 'stages')), { snapshots: true });
}
