import { beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { encodeRevisionSnapshot } from '../../shared/pipeline/revision-snapshot.ts';
import { SNAPSHOT_CHUNK_BYTES, SnapshotStore } from '../../shared/pipeline/snapshot-store.ts';
import { repositoryPaths, type SnapshotDocument } from '../../shared/pipeline/state-documents.ts';
import type { DocumentStore } from '../../shared/ports/document-store.ts';
import { examplesDirectory } from '../support/corpus.ts';
import {
  EMULATOR_STARTUP_TIMEOUT_MS,
  emulatorHost,
  emulatorUnavailable,
  uniqueName,
} from '../support/emulators.ts';

const REPOSITORY = { owner: 'acme', name: 'platform', id: 42 };
const paths = repositoryPaths(REPOSITORY);
const analysis = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
const contents = { analysis, codeownersFile: undefined };
const { key, bytes } = encodeRevisionSnapshot(contents);
/** Small chunks, so that the examples' snapshot takes several. */
const CHUNK = 4096;
const CHUNKS = Math.ceil(bytes.length / CHUNK);

/** The store, counting the documents written through it. */
function counting(store: DocumentStore) {
  const written: string[] = [];
  const counted: DocumentStore = {
    get: (path) => store.get(path),
    getAll: (list) => store.getAll(list),
    list: (collection) => store.list(collection),
    transact: (work) => store.transact(work),
    write: (writes) => {
      written.push(...writes.map((write) => write.path));
      return store.write(writes);
    },
  };
  return { store: counted, written };
}

function snapshotStoreContract(name: string, open: () => Promise<DocumentStore>) {
  describe(`snapshots in ${name}`, () => {
    it('are written in chunks and read back whole by their key, once for commits of the same tree', async () => {
      expect(CHUNKS).toBeGreaterThan(2);
      const { store, written } = counting(await open());
      const snapshots = new SnapshotStore(store, REPOSITORY, { chunkBytes: CHUNK });
      expect(await snapshots.read(key)).toStrictEqual({ status: 'missing' });
      expect(await snapshots.save(contents, '2026-01-01T00:00:00.000Z')).toBe(key);
      expect(written.filter((path) => path.includes('/chunks/'))).toHaveLength(CHUNKS);
      expect(await store.get(paths.snapshot(key))).toStrictEqual({
        format: 1,
        bytes: bytes.length,
        chunks: CHUNKS,
        writtenAt: '2026-01-01T00:00:00.000Z',
      } satisfies SnapshotDocument);
      // Another commit of the same tree: its time, no chunk written again, nothing per commit.
      written.length = 0;
      await snapshots.save(contents, '2026-01-02T00:00:00.000Z');
      expect(written).toStrictEqual([paths.snapshot(key)]);

      const found = await snapshots.read(key);
      if (found.status !== 'found') throw new Error(JSON.stringify(found));
      expect([...found.contents.analysis.state.nodes.keys()]).toStrictEqual([
        ...analysis.state.nodes.keys(),
      ]);
      expect(found.contents.analysis.codeowners.text).toBe(analysis.codeowners.text);

      // The same documents under another key: not that key's snapshot.
      const other = 'f'.repeat(64);
      const chunks = Array.from({ length: CHUNKS }, (_, chunk) => chunk);
      const copies = await store.getAll(chunks.map((chunk) => paths.snapshotChunk(key, chunk)));
      await store.write([
        ...chunks.map((chunk) => ({
          kind: 'set' as const,
          path: paths.snapshotChunk(other, chunk),
          data: copies[chunk] ?? {},
        })),
        {
          kind: 'set',
          path: paths.snapshot(other),
          data: (await store.get(paths.snapshot(key))) ?? {},
        },
      ]);
      expect(await snapshots.read(other)).toStrictEqual({
        status: 'unusable',
        reason: `its hash is ${key}, not ${other}`,
      });

      await store.write([{ kind: 'delete', path: paths.snapshotChunk(key, 1) }]);
      expect(await snapshots.read(key)).toStrictEqual({
        status: 'unusable',
        reason: `chunk 1 of ${CHUNKS} is missing`,
      });
    });

    it('holds a chunk of the full size', async () => {
      const store = await open();
      // The largest chunk, as base64: Firestore refuses documents over 1 MiB.
      const data = 'A'.repeat((SNAPSHOT_CHUNK_BYTES * 4) / 3);
      expect(data.length).toBe(900 * 1024);
      await store.write([{ kind: 'set', path: paths.snapshotChunk(key, 0), data: { data } }]);
      expect((await store.get(paths.snapshotChunk(key, 0)))?.['data']).toBe(data);
    });
  });
}

snapshotStoreContract('SQLite', () =>
  Promise.resolve(new SqliteDocumentStore({ file: ':memory:' })),
);

const unavailable = emulatorUnavailable('firestore', 'the snapshot tests on Firestore');
describe.skipIf(unavailable !== undefined)('on the Firestore emulator', () => {
  let host: string;
  beforeAll(async () => {
    host = await emulatorHost('firestore');
  }, EMULATOR_STARTUP_TIMEOUT_MS);
  snapshotStoreContract('Firestore', () =>
    Promise.resolve(
      new FirestoreDocumentStore({ projectId: uniqueName('snapshots'), emulatorHost: host }),
    ),
  );
});
