import { FirestoreDocumentStore } from '../shared/adapters/firestore-document-store.ts';
import { createGitHubClient } from '../shared/adapters/github-client.ts';
import { createGitHubCodeOwnersWriter } from '../shared/adapters/github-code-owners-writer.ts';
import { createGitHubCommitReporter } from '../shared/adapters/github-commit-reporter.ts';
import { createGitHubRepositorySource } from '../shared/adapters/github-repository-source.ts';
import { PubSubPublisher } from '../shared/adapters/pubsub-publisher.ts';
import { createCloudBuildService } from '../shared/adapters/cloud-build-service.ts';
import { systemClock } from '../shared/adapters/system-clock.ts';
import {
  parseGovernedRepository,
  type GovernedRepository,
} from '../shared/core/pipeline/governed-repository.ts';
import { renderConfigSchema } from '../shared/core/render/render-config.ts';
import { RevisionLoader } from '../shared/pipeline/revision-loader.ts';
import { SnapshotStore } from '../shared/pipeline/snapshot-store.ts';
import type { PipelinePorts } from '../shared/pipeline/stage.ts';
import * as v from 'valibot';

/** The environment a deployment sets, documented in the README ("Configuration"). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A required variable, or an error that names it. */
function required(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

function json(env: Environment, name: string): unknown {
  try {
    return JSON.parse(required(env, name));
  } catch (error) {
    throw new Error(`${name} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** The Google Cloud project of the pipeline's Pub/Sub topics and Firestore database. */
export function projectOf(env: Environment): string {
  return env.INFRASTREAM_PROJECT ?? required(env, 'GOOGLE_CLOUD_PROJECT');
}

/**
 * The repository the pipeline governs, `owner/name#id`: ingest refuses pushes of any other,
 * and its state is keyed by the id. Required, with the id.
 */
export function governedRepositoryFrom(env: Environment): GovernedRepository {
  const parsed = parseGovernedRepository(required(env, 'INFRASTREAM_REPOSITORY'));
  if (!parsed.ok) throw new Error(`INFRASTREAM_REPOSITORY: ${parsed.message}`);
  if (parsed.repository.id === undefined) {
    throw new Error(
      "INFRASTREAM_REPOSITORY: expected OWNER/NAME#ID: GitHub's id is what identifies the repository",
    );
  }
  return parsed.repository;
}

/** The state store: Firestore, on its emulator when `FIRESTORE_EMULATOR_HOST` is set. */
export function firestoreFrom(env: Environment): FirestoreDocumentStore {
  const emulatorHost = env.FIRESTORE_EMULATOR_HOST;
  const databaseId = env.INFRASTREAM_FIRESTORE_DATABASE;
  return new FirestoreDocumentStore({
    projectId: projectOf(env),
    ...(emulatorHost ? { emulatorHost } : {}),
    ...(databaseId ? { databaseId } : {}),
  });
}

/** The bus: Pub/Sub, on its emulator when `PUBSUB_EMULATOR_HOST` is set. */
export function publisherFrom(env: Environment): PubSubPublisher {
  const emulatorHost = env.PUBSUB_EMULATOR_HOST;
  return new PubSubPublisher({
    projectId: projectOf(env),
    topicPrefix: env.INFRASTREAM_TOPIC_PREFIX ?? 'infrastream-',
    ...(emulatorHost ? { emulatorHost } : {}),
  });
}

/**
 * Every port of the stages in Google Cloud: Firestore, Pub/Sub, GitHub as an App
 * installation and Cloud Build. Read once per instance; a mistake names the variable.
 */
export function pipelinePortsFrom(env: Environment): PipelinePorts {
  const appId = required(env, 'INFRASTREAM_GITHUB_APP_ID');
  const octokit = createGitHubClient({
    appId,
    privateKey: required(env, 'INFRASTREAM_GITHUB_PRIVATE_KEY'),
    installationId: required(env, 'INFRASTREAM_GITHUB_INSTALLATION_ID'),
    ...(env.INFRASTREAM_GITHUB_API_URL ? { baseUrl: env.INFRASTREAM_GITHUB_API_URL } : {}),
  });
  const render = v.parse(renderConfigSchema, json(env, 'INFRASTREAM_RENDER_CONFIG'));
  const source = createGitHubRepositorySource({ octokit });
  const repository = governedRepositoryFrom(env);
  const store = firestoreFrom(env);
  return {
    repository,
    store,
    publisher: publisherFrom(env),
    source,
    // Each stage is a function of its own: a cold one reads parse's snapshot of a revision.
    revisions: new RevisionLoader(source, { snapshots: new SnapshotStore(store, repository) }),
    reporter: createGitHubCommitReporter({ octokit, appId: Number(appId) }),
    codeOwners: createGitHubCodeOwnersWriter({ octokit }),
    builds: createCloudBuildService({
      ...(json(env, 'INFRASTREAM_CLOUD_BUILD') as object),
      renderConfig: render,
    } as Parameters<typeof createCloudBuildService>[0]),
    clock: systemClock,
    render,
    apply: env.INFRASTREAM_APPLY !== 'false',
  };
}
