import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus, type RetryPolicy } from '../../shared/adapters/in-process-bus.ts';
import { LocalBuildService } from '../../shared/adapters/local-build-service.ts';
import { LocalCodeOwnersWriter } from '../../shared/adapters/local-code-owners-writer.ts';
import { LocalCommitReporter } from '../../shared/adapters/local-commit-reporter.ts';
import { LocalRepositorySource } from '../../shared/adapters/local-repository-source.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { PUSH_TOPIC, type PushMessage } from '../../shared/core/contracts/push-message.ts';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import { createPipeline } from '../../shared/pipeline/create-pipeline.ts';
import { RepositoryState } from '../../shared/pipeline/repository-state.ts';
import type { PipelinePorts, StageOutcome } from '../../shared/pipeline/stage.ts';
import type {
  BuildService,
  BuildSubmission,
  SubmittedBuild,
} from '../../shared/ports/build-service.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { DocumentStore } from '../../shared/ports/document-store.ts';
import type { Publisher } from '../../shared/ports/publisher.ts';

/** The repository every test pipeline is for, as messages name it. */
export const TEST_REPOSITORY = { owner: 'acme', name: 'platform', defaultBranch: 'main' } as const;

/** The repository every test pipeline governs: {@link TEST_REPOSITORY}, with its GitHub id. */
export const GOVERNED_TEST_REPOSITORY = { owner: 'acme', name: 'platform', id: 42 } as const;

/** A clock that moves one second per reading, so that documents differ but tests repeat. */
export function steppingClock() {
  let tick = Date.UTC(2026, 10, 22, 12, 0, 0);
  return { now: () => new Date((tick += 1000)).toISOString() };
}

/** A pipeline over a real git repository, with every stage in this process. */
export interface TestPipeline {
  readonly bus: InProcessBus;
  readonly ports: PipelinePorts;
  readonly state: RepositoryState;
  /** Where reports go unless the pipeline has the GitHub adapters. */
  readonly reporter: LocalCommitReporter;
  readonly codeOwners: LocalCodeOwnersWriter;
  /** Every build submitted, in order, including repeated submissions. */
  readonly submissions: BuildSubmission[];
  /** Delivers a push of `after` to `ref` and runs the pipeline until it is idle. */
  push(options: PushOptions): Promise<StageOutcome[]>;
}

/** A push, as ingest would publish it. */
export interface PushOptions {
  readonly after: string;
  readonly ref?: string;
  readonly before?: string;
  readonly forced?: boolean;
  readonly deleted?: boolean;
  readonly delivery?: string;
}

let deliveries = 0;

/**
 * Wires the stages to embedded adapters over `directory` (a real git repository). `publisher`
 * may wrap the bus, for instance to fail a publish and show that the stage resumes.
 */
export async function createTestPipeline(
  directory: string,
  options: {
    readonly store?: DocumentStore;
    readonly apply?: boolean;
    readonly builds?: (bus: InProcessBus) => BuildService;
    readonly publisher?: (bus: InProcessBus) => Publisher;
    /** The GitHub adapters instead of the local ones: the source, and where reports go. */
    readonly github?: Pick<PipelinePorts, 'source' | 'reporter' | 'codeOwners'>;
    /** How the bus retries; by default quickly, so that tests of retries run in moments. */
    readonly retry?: Partial<RetryPolicy>;
    /** The clock of the stages and the builds; by default one that steps a second a reading. */
    readonly clock?: Clock;
  } = {},
): Promise<TestPipeline> {
  const bus = new InProcessBus({ retry: options.retry ?? { firstDelayMs: 10 } });
  const publisher = options.publisher?.(bus) ?? bus;
  const clock = options.clock ?? steppingClock();
  const source = options.github?.source ?? new LocalRepositorySource(directory);
  const reporter = new LocalCommitReporter();
  const codeOwners = new LocalCodeOwnersWriter();
  const submissions: BuildSubmission[] = [];
  const backend: BuildService =
    options.builds?.(bus) ??
    new LocalBuildService({
      directory: await mkdtemp(join(tmpdir(), 'infrastream-builds-')),
      publisher: bus,
      clock,
    });
  const builds: BuildService = {
    submit(request): Promise<SubmittedBuild> {
      submissions.push(request);
      return backend.submit(request);
    },
    ...(backend.leaseTerms === undefined ? {} : { leaseTerms: backend.leaseTerms }),
  };
  const store = options.store ?? new SqliteDocumentStore({ file: ':memory:' });
  const { ports, stages } = createPipeline({
    repository: GOVERNED_TEST_REPOSITORY,
    store,
    publisher,
    source,
    reporter: options.github?.reporter ?? reporter,
    codeOwners: options.github?.codeOwners ?? codeOwners,
    builds,
    clock,
    render: exampleRenderConfig,
    apply: options.apply ?? false,
  });
  for (const [topic, stage] of stages) bus.subscribe(topic, stage);
  const state = new RepositoryState(
    store,
    { ...TEST_REPOSITORY, id: GOVERNED_TEST_REPOSITORY.id },
    clock,
  );
  return {
    bus,
    ports,
    state,
    reporter,
    codeOwners,
    submissions,
    async push(push) {
      const message: PushMessage = {
        version: 2,
        delivery: push.delivery ?? `delivery-${++deliveries}`,
        repository: { ...TEST_REPOSITORY, id: GOVERNED_TEST_REPOSITORY.id },
        ref: push.ref ?? 'refs/heads/main',
        before: push.before ?? '0'.repeat(40),
        after: push.after,
        forced: push.forced ?? false,
        created: false,
        deleted: push.deleted ?? false,
        pusher: 'octocat',
      };
      await bus.publish(PUSH_TOPIC, message);
      return (await bus.drain()).map((delivery) => delivery.outcome as StageOutcome);
    },
  };
}
