import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../shared/adapters/in-process-bus.ts';
import { LocalBuildService } from '../../shared/adapters/local-build-service.ts';
import { LocalCodeOwnersWriter } from '../../shared/adapters/local-code-owners-writer.ts';
import { LocalCommitReporter } from '../../shared/adapters/local-commit-reporter.ts';
import { LocalRepositorySource } from '../../shared/adapters/local-repository-source.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import type { CommitMessage } from '../../shared/core/contracts/commit-message.ts';
import { PUSH_TOPIC, type PushMessage } from '../../shared/core/contracts/push-message.ts';
import { formatCodeowners } from '../../shared/core/governance/codeowners.ts';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import { createPipelineStage } from '../../shared/pipeline/pipeline-stages.ts';
import { RepositoryState } from '../../shared/pipeline/repository-state.ts';
import { RevisionLoader, type SnapshotLogEntry } from '../../shared/pipeline/revision-loader.ts';
import {
  encodeRevisionSnapshot,
  SNAPSHOT_FORMAT,
} from '../../shared/pipeline/revision-snapshot.ts';
import { KEPT_SNAPSHOT_REVISIONS, SnapshotStore } from '../../shared/pipeline/snapshot-store.ts';
import type { PipelinePorts, StageOutcome } from '../../shared/pipeline/stage.ts';
import {
  repositoryPaths,
  type SnapshotDocument,
  type StageName,
} from '../../shared/pipeline/state-documents.ts';
import type { BuildSubmission } from '../../shared/ports/build-service.ts';
import type { DocumentStore } from '../../shared/ports/document-store.ts';
import type { RepositorySource } from '../../shared/ports/repository-source.ts';
import { baseOrganization } from '../support/base-organization.ts';
import {
  GOVERNED_TEST_REPOSITORY,
  steppingClock,
  TEST_REPOSITORY,
} from '../support/embedded-pipeline.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';

const PROJECT = 'payments/production/shop/project.yaml';
const STAGES: readonly Exclude<StageName, 'consent' | 'drift'>[] = [
  'parse',
  'record',
  'deltas',
  'builds',
  'build-status',
];

/** What one stage's instance read of the repository. */
interface Reads {
  trees: number;
  blobs: number;
}

/**
 * The stages as they are deployed in Google Cloud: each a function of its own, with its own
 * revision loader, new for each push (a cold instance), over the local source counting what
 * each reads. They share the store, and with `snapshots` the loaders keep snapshots in it.
 */
function deployedPipeline(
  directory: string,
  store: DocumentStore,
  options: { readonly snapshots: boolean },
) {
  const clock = steppingClock();
  const reporter = new LocalCommitReporter();
  const codeOwners = new LocalCodeOwnersWriter();
  const submissions: BuildSubmission[] = [];
  const logs: SnapshotLogEntry[] = [];
  /** Every message the stages received, in the order they did. */
  const messages: { readonly topic: string; readonly message: unknown }[] = [];
  const reads = new Map<StageName, Reads>();
  let deliveries = 0;
  const state = new RepositoryState(
    store,
    { ...TEST_REPOSITORY, id: GOVERNED_TEST_REPOSITORY.id },
    clock,
  );

  const push = async (after: string, before = '0'.repeat(40)): Promise<StageOutcome[]> => {
    const bus = new InProcessBus({ retry: { firstDelayMs: 10 } });
    const backend = new LocalBuildService({
      directory: await mkdtemp(join(tmpdir(), 'infrastream-builds-')),
      publisher: bus,
      clock,
    });
    for (const name of STAGES) {
      const count: Reads = { trees: 0, blobs: 0 };
      reads.set(name, count);
      const local = new LocalRepositorySource(directory);
      const source: RepositorySource = {
        tree: (repository, commit) => {
          count.trees++;
          return local.tree(repository, commit);
        },
        blob: (repository, blob) => {
          count.blobs++;
          return local.blob(repository, blob);
        },
        isAncestor: (repository, a, b) => local.isAncestor(repository, a, b),
      };
      const ports: PipelinePorts = {
        repository: GOVERNED_TEST_REPOSITORY,
        store,
        publisher: bus,
        source,
        revisions: new RevisionLoader(source, {
          ...(options.snapshots
            ? { snapshots: new SnapshotStore(store, GOVERNED_TEST_REPOSITORY) }
            : {}),
          log: (entry) => logs.push(entry),
        }),
        reporter,
        codeOwners,
        builds: {
          submit: (request) => {
            submissions.push(request);
            return backend.submit(request);
          },
        },
        clock,
        render: exampleRenderConfig,
        apply: false,
      };
      bus.subscribe(
        {
          parse: PUSH_TOPIC,
          record: 'manifests',
          deltas: 'desired-state',
          builds: 'builds',
          'build-status': 'cloud-builds',
        }[name],
        createPipelineStage(name, ports),
      );
    }
    const message: PushMessage = {
      version: 2,
      delivery: `delivery-${++deliveries}`,
      repository: { ...TEST_REPOSITORY, id: GOVERNED_TEST_REPOSITORY.id },
      ref: 'refs/heads/main',
      before,
      after,
      forced: false,
      created: false,
      deleted: false,
      pusher: 'octocat',
    };
    await bus.publish(PUSH_TOPIC, message);
    const delivered = await bus.drain();
    messages.push(...delivered.map(({ topic, message }) => ({ topic, message })));
    const outcomes = delivered.map((delivery) => delivery.outcome as StageOutcome);
    expect(bus.deadLetters).toEqual([]);
    return outcomes;
  };

  /** Everything the pipeline made that does not depend on the clock. */
  const results = async (outcomes: readonly StageOutcome[]) => {
    const collection = async (path: string) =>
      (await store.list(path)).map(({ id, data }) => [id, data]);
    const paths = state.paths;
    const commits = [...new Set(submissions.map((build) => build.commit))];
    return {
      outcomes: outcomes.map(({ status, detail }) => `${status}: ${detail}`).sort(),
      resources: await collection(paths.resources),
      edges: await collection(paths.edges),
      deltas: await Promise.all(commits.map((commit) => collection(paths.deltas(commit)))),
      changes: await Promise.all(
        [1, 2].map((sequence) => collection(`${paths.revision(sequence)}/changes`)),
      ),
      reports: [...reporter.reports].map(([key, { title, summary, annotations }]) => [
        key,
        title,
        summary,
        annotations,
      ]),
      codeowners: codeOwners.proposed,
      builds: submissions
        .map(({ workspace, commit, sequence, rootModule }) => ({
          workspace,
          commit,
          sequence,
          rootModule,
        }))
        .sort((a, b) => (`${a.commit} ${a.workspace}` < `${b.commit} ${b.workspace}` ? -1 : 1)),
    };
  };

  /** The snapshot parse named, in its last `manifests` message, for `commit`. */
  const snapshotOf = (commit: string) =>
    messages
      .filter(({ topic }) => topic === 'manifests')
      .map(({ message }) => message as CommitMessage)
      .findLast((message) => message.commit === commit)?.snapshot;

  return { push, results, reads, logs, state, messages, snapshotOf };
}

/** Reads of the stages after parse: none, when they read snapshots. */
function readsAfterParse(reads: ReadonlyMap<StageName, Reads>) {
  return Object.fromEntries(
    (['record', 'deltas', 'builds'] as const).map((name) => [name, reads.get(name)]),
  );
}

/**
 * `store`, calling `written` (while armed, once) as soon as a snapshot document is written
 * through it: after parse has left a commit's snapshot, before it hands the commit on.
 */
function onSnapshotWritten(store: DocumentStore, snapshots: string) {
  let written: ((key: string) => Promise<void>) | undefined;
  const wrapped: DocumentStore = {
    get: (path) => store.get(path),
    getAll: (list) => store.getAll(list),
    list: (collection) => store.list(collection),
    transact: (work) => store.transact(work),
    write: async (writes) => {
      await store.write(writes);
      const snapshot = writes.find(
        ({ kind, path }) =>
          kind === 'set' && path.startsWith(`${snapshots}/`) && !path.includes('/chunks/'),
      );
      const then = written;
      if (snapshot !== undefined && then !== undefined) {
        written = undefined;
        await then(snapshot.path.slice(snapshots.length + 1));
      }
    },
  };
  return {
    store: wrapped,
    arm: (then: (key: string) => Promise<void>) => {
      written = then;
    },
    armed: () => written !== undefined,
  };
}

describe('cold stages read the revision parse left as a snapshot', () => {
  let repository: TestRepository;
  let base: string;
  let next: string;
  let reference: Awaited<ReturnType<ReturnType<typeof deployedPipeline>['results']>>;
  const paths = repositoryPaths(GOVERNED_TEST_REPOSITORY);

  beforeAll(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(baseOrganization));
    base = await repository.commit('The base organization');
    const project = new TextDecoder().decode(baseOrganization.get(PROJECT));
    await repository.write({
      [PROJECT]: project.replace(
        '    - 203.0.113.0/24\n',
        '    - 203.0.113.0/24\n    - a.example\n',
      ),
    });
    next = await repository.commit('Allow a.example');
    // The same pushes, every stage parsing what it reads.
    const parsing = deployedPipeline(repository.directory, memoryStore(), { snapshots: false });
    const outcomes = [...(await parsing.push(base)), ...(await parsing.push(next, base))];
    expect(readsAfterParse(parsing.reads).record?.trees).toBe(2);
    reference = await parsing.results(outcomes);
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
  });

  it('record, deltas and builds read the pushed revision from its snapshot, with the same results', async () => {
    const pipeline = deployedPipeline(repository.directory, memoryStore(), { snapshots: true });
    const outcomes = await pipeline.push(base);
    const none = { trees: 0, blobs: 0 };
    expect(readsAfterParse(pipeline.reads)).toEqual({ record: none, deltas: none, builds: none });
    expect(pipeline.reads.get('parse')?.trees).toBe(1);
    // Every message between the stages names the snapshot.
    const key = pipeline.snapshotOf(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const named = pipeline.messages.filter(({ topic }) =>
      ['manifests', 'desired-state', 'builds'].includes(topic),
    );
    expect(new Set(named.map(({ topic }) => topic)).size).toBe(3);
    for (const { message } of named) expect(message).toHaveProperty('snapshot', key);
    // The second push's stages are cold too: the pushed revision comes from its snapshot, and
    // record and deltas parse the revision before, which no message names a snapshot of.
    outcomes.push(...(await pipeline.push(next, base)));
    const reads = readsAfterParse(pipeline.reads);
    expect(reads.record?.trees).toBe(1);
    expect(reads.deltas?.trees).toBe(1);
    expect(reads.builds).toEqual(none);
    expect(pipeline.logs).toEqual([]);
    expect(await pipeline.results(outcomes)).toStrictEqual(reference);
  });

  it('parses again, with the same results, where a snapshot is missing, corrupted or of another format', async () => {
    for (const spoil of ['missing', 'corrupted', 'format'] as const) {
      const store = memoryStore();
      const spoiling = onSnapshotWritten(store, paths.snapshots);
      const pipeline = deployedPipeline(repository.directory, spoiling.store, { snapshots: true });
      const outcomes = await pipeline.push(base);
      // The pushed revision's snapshot, spoiled as soon as parse has written it.
      spoiling.arm(async (key) => {
        const chunk = paths.snapshotChunk(key, 0);
        const snapshot = (await store.get(paths.snapshot(key))) as unknown as SnapshotDocument;
        const data = String((await store.get(chunk))?.['data']);
        await store.write(
          spoil === 'missing'
            ? [
                { kind: 'delete', path: chunk },
                { kind: 'delete', path: paths.snapshot(key) },
              ]
            : spoil === 'corrupted'
              ? [{ kind: 'set', path: chunk, data: { data: corrupted(data) } }]
              : [
                  {
                    kind: 'set',
                    path: paths.snapshot(key),
                    data: { ...snapshot, format: snapshot.format + 1 },
                  },
                ],
        );
      });
      outcomes.push(...(await pipeline.push(next, base)));
      expect(spoiling.armed(), spoil).toBe(false);
      // Each stage parses the pushed revision; record and deltas the one before too.
      const reads = readsAfterParse(pipeline.reads);
      expect(reads.record?.trees, spoil).toBe(2);
      expect(reads.deltas?.trees, spoil).toBe(2);
      expect(reads.builds?.trees, spoil).toBe(1);
      expect(
        pipeline.logs.map((entry) => [entry.severity, entry.commit]),
        spoil,
      ).toEqual(Array(3).fill([spoil === 'missing' ? 'INFO' : 'WARNING', next]));
      expect(pipeline.logs[0]?.message, spoil).toMatch(
        spoil === 'missing'
          ? /^snapshot [0-9a-f]{64} of [0-9a-f]{40} is gone: parsing it$/
          : spoil === 'corrupted'
            ? /ignored, its hash is [0-9a-f]{64}, not [0-9a-f]{64}: parsing it$/
            : /ignored, its format is 2, not 1: parsing it$/,
      );
      expect(await pipeline.results(outcomes), spoil).toStrictEqual(reference);
    }
  });

  it('never reads a snapshot the store names: one whose bytes and key a store writer replaced is not used', async () => {
    const store = memoryStore();
    const loader = new RevisionLoader(new LocalRepositorySource(repository.directory));
    /**
     * Writes, as anyone who can write the store could, a snapshot of `other`'s revision with
     * CODEOWNERS handing every file to a forger, hashed right, and a document naming it as
     * `commit`'s snapshot (where one used to).
     */
    const forge = async (commit: string, other: string) => {
      const { analysis, codeownersFile } = await loader.load(TEST_REPOSITORY, other);
      const lines = analysis.codeowners.lines.map((line) => ({ ...line, owners: ['@forger'] }));
      const codeowners = { ...analysis.codeowners, lines, text: formatCodeowners(lines) };
      const { key, bytes } = encodeRevisionSnapshot({
        analysis: { ...analysis, codeowners },
        codeownersFile,
      });
      await store.write([
        {
          kind: 'set',
          path: paths.snapshotChunk(key, 0),
          data: { data: Buffer.from(bytes).toString('base64') },
        },
        {
          kind: 'set',
          path: paths.snapshot(key),
          data: { format: SNAPSHOT_FORMAT, bytes: bytes.length, chunks: 1, writtenAt: '9999' },
        },
        {
          kind: 'set',
          path: `${paths.repository}/commit-snapshots/${commit}`,
          data: { key, format: SNAPSHOT_FORMAT, chunks: 1 },
        },
      ]);
    };
    const forging = onSnapshotWritten(store, paths.snapshots);
    const pipeline = deployedPipeline(repository.directory, forging.store, { snapshots: true });
    const outcomes = await pipeline.push(base);
    // The revision before, which record and deltas compare with, forged as the pushed one.
    await forge(base, next);
    // The pushed revision, forged as the one before once parse has written its snapshot.
    forging.arm(() => forge(next, base));
    outcomes.push(...(await pipeline.push(next, base)));
    expect(forging.armed()).toBe(false);
    const results = await pipeline.results(outcomes);
    expect(JSON.stringify(results.codeowners)).not.toContain('@forger');
    expect(results).toStrictEqual(reference);
  });

  it('shares one snapshot between commits of the same tree, and keeps only recent ones', async () => {
    const store = memoryStore();
    const pipeline = deployedPipeline(repository.directory, store, { snapshots: true });
    await pipeline.push(base);
    // A commit with the tree of the base (a revert, say): another commit, the same snapshot.
    const same = (
      await repository.git('commit-tree', `${base}^{tree}`, '-p', next, '-m', 'Back to the base')
    ).trim();
    await repository.git('reset', '--quiet', '--hard', same);
    await pipeline.push(same, base);
    expect(pipeline.snapshotOf(same)).toBe(pipeline.snapshotOf(base));
    expect(await store.list(paths.snapshots)).toHaveLength(1);

    const commits = [base, same];
    const project = new TextDecoder().decode(baseOrganization.get(PROJECT));
    for (let host = 0; host < KEPT_SNAPSHOT_REVISIONS + 2; host++) {
      await repository.write({
        [PROJECT]: project.replace(
          '    - 203.0.113.0/24\n',
          `    - 203.0.113.0/24\n    - h${host}.example\n`,
        ),
      });
      const commit = await repository.commit(`Allow h${host}.example`);
      await pipeline.push(commit, commits.at(-1));
      commits.push(commit);
    }
    const kept = commits.slice(-KEPT_SNAPSHOT_REVISIONS).map(pipeline.snapshotOf);
    const stored = await store.list(paths.snapshots);
    expect(stored.map(({ id }) => id).sort()).toEqual([...kept].sort());
    // The chunks of what was collected went with it.
    const collected = pipeline.snapshotOf(base);
    expect(collected).toBeDefined();
    expect(await store.get(paths.snapshotChunk(collected ?? '', 0))).toBeUndefined();
    for (const { id, data } of stored) {
      const { chunks } = data as unknown as SnapshotDocument;
      expect(await store.get(paths.snapshotChunk(id, chunks - 1))).toBeDefined();
    }
  });
});

/** The same base64 with one character in its middle changed: other bytes, as long. */
function corrupted(data: string): string {
  const middle = data.length >> 1;
  return `${data.slice(0, middle)}${data[middle] === 'A' ? 'B' : 'A'}${data.slice(middle + 1)}`;
}

function memoryStore(): DocumentStore {
  return new SqliteDocumentStore({ file: ':memory:' });
}
