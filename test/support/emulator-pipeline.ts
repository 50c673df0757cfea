import { createIngestHandler } from '../../functions/ingest.ts';
import { functionSettings, googleCloudAdapters } from '../../functions/configuration.ts';
import type { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import { formatGovernedRepository } from '../../shared/core/pipeline/governed-repository.ts';
import { createPipeline, type Pipeline } from '../../shared/pipeline/create-pipeline.ts';
import type { AssetInventory } from '../../shared/ports/asset-inventory.ts';
import type { DocumentStore } from '../../shared/ports/document-store.ts';
import { startLoopbackCloudBuild, type LoopbackCloudBuild } from './loopback-cloud-build.ts';
import { startLoopbackGitHub, type LoopbackGitHub } from './loopback-github.ts';
import { deploymentCloudBuildOptions, deploymentRenderConfig } from './loopback-pipeline-ports.ts';
import { PushedFunctions } from './pushed-functions.ts';

/** The pipeline as deployed in Google Cloud, on the emulators and loopback servers. */
export interface EmulatorPipeline {
  readonly pipeline: Pipeline;
  /** The Firestore the stages write to, not wrapped by `wrapStore`. */
  readonly firestore: FirestoreDocumentStore;
  readonly functions: PushedFunctions;
  readonly github: LoopbackGitHub;
  readonly cloudBuild: LoopbackCloudBuild;
  /** Where ingest takes webhook deliveries. */
  readonly ingestUrl: string;
  /** Stops every server and closes every client it started. */
  close(): Promise<void>;
}

/**
 * Starts the pipeline as a deployment runs it: the environment a deployment sets, read by
 * the functions' own configuration, every stage behind a Functions Framework server fed by
 * a Pub/Sub push subscription of the emulator, ingest over HTTP, state in the Firestore
 * emulator, and GitHub and Cloud Build on loopback (started here, over `directory`).
 */
export async function startEmulatorPipeline(options: {
  /** The git repository the loopback GitHub serves. */
  readonly directory: string;
  /** The governed repository, with its GitHub id. */
  readonly repository: { readonly owner: string; readonly name: string; readonly id: number };
  readonly firestoreHost: string;
  readonly pubsubHost: string;
  /** Of the Firestore database and the topics: unique per caller, since the emulators are shared. */
  readonly projectId: string;
  readonly topicPrefix: string;
  readonly webhookSecret: string;
  readonly maxBodyBytes?: number;
  /** Wraps the store the stages and ingest use, to count or disturb what they write. */
  readonly wrapStore?: (store: DocumentStore) => DocumentStore;
  /** What the drift stage reads of Cloud Asset Inventory: a loopback one, say. */
  readonly assetInventory?: AssetInventory;
}): Promise<EmulatorPipeline> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const github = await startLoopbackGitHub({
      directory: options.directory,
      owner: options.repository.owner,
      name: options.repository.name,
    });
    closers.push(() => github.close());
    const cloudBuild = await startLoopbackCloudBuild();
    closers.push(() => cloudBuild.close());
    const env = {
      INFRASTREAM_PROJECT: options.projectId,
      INFRASTREAM_REPOSITORY: formatGovernedRepository(options.repository),
      INFRASTREAM_TOPIC_PREFIX: options.topicPrefix,
      FIRESTORE_EMULATOR_HOST: options.firestoreHost,
      PUBSUB_EMULATOR_HOST: options.pubsubHost,
      INFRASTREAM_WEBHOOK_SECRETS: options.webhookSecret,
      INFRASTREAM_MAX_BODY_BYTES: String(options.maxBodyBytes ?? 25 * 1024 * 1024),
      INFRASTREAM_GITHUB_APP_ID: String(github.appId),
      INFRASTREAM_GITHUB_PRIVATE_KEY: github.privateKey,
      INFRASTREAM_GITHUB_INSTALLATION_ID: String(github.installationId),
      INFRASTREAM_GITHUB_API_URL: github.baseUrl,
      INFRASTREAM_RENDER_CONFIG: JSON.stringify(deploymentRenderConfig),
      INFRASTREAM_CLOUD_BUILD: JSON.stringify(deploymentCloudBuildOptions),
    };
    const adapters = googleCloudAdapters(functionSettings(env, 'stages'), {
      cloudBuildClient: cloudBuild.client(),
      ...(options.assetInventory === undefined ? {} : { assetInventory: options.assetInventory }),
    });
    closers.push(() => adapters.store.close());
    closers.push(() => adapters.publisher.close());
    // As deployed: each stage a function of its own, sharing revisions through snapshots.
    const pipeline = createPipeline(
      { ...adapters, store: options.wrapStore?.(adapters.store) ?? adapters.store },
      { snapshots: true },
    );
    const functions = new PushedFunctions({
      projectId: options.projectId,
      topicPrefix: options.topicPrefix,
      pubsubHost: options.pubsubHost,
    });
    closers.push(() => functions.close());
    for (const [topic, stage] of pipeline.stages) await functions.subscribe(topic, stage);
    const ingest = functionSettings(env, 'ingest');
    const ingestUrl = await functions.http(
      'ingest',
      createIngestHandler({
        secrets: ingest.webhookSecrets,
        repository: ingest.repository,
        deliveries: pipeline.deliveries,
        publisher: pipeline.ports.publisher,
        maxBodyBytes: ingest.maxBodyBytes,
      }),
    );
    return {
      pipeline,
      firestore: adapters.store,
      functions,
      github,
      cloudBuild,
      ingestUrl,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
