import type { DeliveryStore } from '../ports/delivery-store.ts';
import { createDocumentDeliveryStore } from './document-delivery-store.ts';
import { createPipelineStage, pipelineTopics } from './pipeline-stages.ts';
import { RevisionLoader } from './revision-loader.ts';
import { SnapshotStore } from './snapshot-store.ts';
import type { PipelinePorts, Stage } from './stage.ts';
import type { StageName } from './state-documents.ts';

/**
 * What a runtime chooses: which adapters, and its settings. Everything else the pipeline
 * derives from them, the same way for every runtime.
 */
export type PipelineAdapters = Omit<PipelinePorts, 'revisions'>;

/** The pipeline of one runtime: its ports, and its stages over them. */
export interface Pipeline {
  readonly ports: PipelinePorts;
  /** Every stage after ingest, by the topic it subscribes to. */
  readonly stages: ReadonlyMap<string, Stage>;
  /** Where ingest claims webhook deliveries: the pipeline's own store. */
  readonly deliveries: DeliveryStore;
  /** One stage, by name: a function deployed for one stage runs this one. */
  stage(name: StageName): Stage;
}

/**
 * Builds the pipeline from the adapters a runtime chose: embedded in the CLI, on the
 * emulators in tests and benchmarks, or in Google Cloud. Stages are made on first use, so
 * that a function deployed for one stage makes only that one.
 */
export function createPipeline(
  adapters: PipelineAdapters,
  options: {
    /**
     * Whether parse leaves a snapshot of each valid revision in the store for the later
     * stages to read: where each stage runs on instances of its own, a cold one would
     * otherwise parse the revision again. One process keeps its revisions in memory instead.
     */
    readonly snapshots?: boolean;
  } = {},
): Pipeline {
  const { source, store, repository } = adapters;
  const revisions = new RevisionLoader(
    source,
    options.snapshots === true ? { snapshots: new SnapshotStore(store, repository) } : {},
  );
  const ports: PipelinePorts = { ...adapters, revisions };
  const made = new Map<StageName, Stage>();
  const stage = (name: StageName): Stage => {
    let found = made.get(name);
    if (found === undefined) {
      found = createPipelineStage(name, ports);
      made.set(name, found);
    }
    return found;
  };
  let stages: ReadonlyMap<string, Stage> | undefined;
  return {
    ports,
    get stages() {
      stages ??= new Map(
        Object.entries(pipelineTopics).map(([name, topic]) => [topic, stage(name as StageName)]),
      );
      return stages;
    },
    deliveries: createDocumentDeliveryStore(adapters.store, adapters.clock),
    stage,
  };
}
