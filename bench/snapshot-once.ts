/**
 * One measurement of the revision snapshot, in a fresh process, as a cold stage instance
 * runs: `node bench/snapshot-once.ts <mode> <repository folder> <commit> [<base commit or key>]`,
 * with the store named by `INFRASTREAM_BENCH_STORE` (`sqlite:<file>` or
 * `firestore:<project>@<host:port>`). Prints one line of JSON.
 *
 * - parse: load the revision from its files, as a stage without a snapshot does;
 * - snapshot: load it from the snapshot of the key given, which save printed (the store's
 *   client connected first, as a stage's is by the commit document it reads before);
 * - save: parse it, then write its snapshot, as parse does, and print its key;
 * - incremental: parse the commit, then load the base commit from the same loader, as the
 *   embedded `run` loads the revision before in the process that parsed the pushed one.
 */
import { FirestoreDocumentStore } from '../shared/adapters/firestore-document-store.ts';
import { LocalRepositorySource } from '../shared/adapters/local-repository-source.ts';
import { SqliteDocumentStore } from '../shared/adapters/sqlite-document-store.ts';
import { RevisionLoader } from '../shared/pipeline/revision-loader.ts';
import { encodeRevisionSnapshot } from '../shared/pipeline/revision-snapshot.ts';
import { SnapshotStore } from '../shared/pipeline/snapshot-store.ts';
import type { DocumentStore } from '../shared/ports/document-store.ts';
import type { RepositorySource } from '../shared/ports/repository-source.ts';

/** The repository the bench's snapshots are stored under. */
export const BENCH_REPOSITORY = { owner: 'acme', name: 'platform', id: 1 } as const;

const [mode, directory, commit, baseOrKey] = process.argv.slice(2);
if (mode === undefined || directory === undefined || commit === undefined) {
  throw new Error(
    'usage: snapshot-once.ts <parse|snapshot|save|incremental> <dir> <commit> [<base>|<key>]',
  );
}
const store = openStore(process.env['INFRASTREAM_BENCH_STORE'] ?? '');
let reads = 0;
const local = new LocalRepositorySource(directory);
const source: RepositorySource = {
  tree: (repository, sha) => {
    reads++;
    return local.tree(repository, sha);
  },
  blob: (repository, blob) => {
    reads++;
    return local.blob(repository, blob);
  },
  isAncestor: (repository, a, b) => local.isAncestor(repository, a, b),
};
const snapshots = new SnapshotStore(store, BENCH_REPOSITORY);
const fallbacks: string[] = [];
const loader = new RevisionLoader(source, {
  snapshots,
  log: (entry) => fallbacks.push(entry.message),
});
const ref = { owner: BENCH_REPOSITORY.owner, name: BENCH_REPOSITORY.name };
// What a stage does before it loads: its client connected by a first read.
await store.get('bench/connected');

const cpu = process.cpuUsage();
const started = performance.now();
const elapsed = () => {
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
};
let result: Record<string, unknown>;
if (mode === 'parse' || mode === 'snapshot') {
  const revision = await loader.load(
    ref,
    commit,
    mode === 'snapshot' ? { snapshot: baseOrKey } : {},
  );
  result = { ...elapsed(), manifests: revision.analysis.manifestCount, reads, fallbacks };
  if (mode === 'snapshot' && (reads > 0 || fallbacks.length > 0)) {
    throw new Error(`the snapshot was not read: ${fallbacks.join('; ')}`);
  }
} else if (mode === 'save') {
  const revision = await loader.load(ref, commit);
  const parsed = elapsed();
  const saving = performance.now();
  const key = await snapshots.save(revision, new Date().toISOString());
  const saveMs = performance.now() - saving;
  const encoding = performance.now();
  const encoded = encodeRevisionSnapshot(revision);
  result = {
    key,
    parseMs: parsed.ms,
    saveMs,
    encodeMs: performance.now() - encoding,
    bytes: encoded.bytes.length,
  };
} else if (mode === 'incremental' && baseOrKey !== undefined) {
  await loader.load(ref, commit);
  const loading = performance.now();
  await loader.load(ref, baseOrKey);
  result = { ms: performance.now() - loading };
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
if (store instanceof FirestoreDocumentStore) await store.close();

function openStore(setting: string): DocumentStore {
  if (setting.startsWith('sqlite:')) return new SqliteDocumentStore({ file: setting.slice(7) });
  const firestore = /^firestore:([^@]+)@(.+)$/.exec(setting);
  if (firestore?.[1] !== undefined && firestore[2] !== undefined) {
    return new FirestoreDocumentStore({ projectId: firestore[1], emulatorHost: firestore[2] });
  }
  throw new Error(`INFRASTREAM_BENCH_STORE: expected sqlite:<file> or firestore:<project>@<host>`);
}
