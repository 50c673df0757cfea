import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import type { DriftObservation } from '../../shared/core/drift/drift-finding.ts';
import { runDriftSweep } from '../../shared/pipeline/drift-sweep.ts';
import { repositoryPaths } from '../../shared/pipeline/state-documents.ts';
import type { DocumentStore, DocumentWrite } from '../../shared/ports/document-store.ts';
import type { DriftReading } from '../../shared/ports/drift-reader.ts';
import {
  EMULATOR_STARTUP_TIMEOUT_MS,
  emulatorHost,
  emulatorUnavailable,
  uniqueName,
} from '../support/emulators.ts';

const repository = { owner: 'acme', name: 'platform', id: 42 };
const paths = repositoryPaths(repository);

const grant: DriftObservation = {
  source: 'terraform',
  workspace: 'payments.production.shop',
  address: 'module.project.google_project_iam_member.extra',
  attribute: 'role',
  severity: 'critical',
  summary: 'role changed outside Terraform',
  before: 'roles/viewer',
  after: 'roles/owner',
  manifest: { file: 'payments/production/shop/project.yaml', line: 4, column: 3 },
};

/** Counts the documents each sweep writes, through the real store. */
function counted(store: DocumentStore): { store: DocumentStore; writes: DocumentWrite[][] } {
  const writes: DocumentWrite[][] = [];
  return {
    writes,
    store: {
      get: (path) => store.get(path),
      getAll: (list) => store.getAll(list),
      list: (collection) => store.list(collection),
      transact: (work) => store.transact(work),
      write: (batch) => {
        writes.push([...batch]);
        return store.write(batch);
      },
    },
  };
}

function sweeps(open: () => Promise<DocumentStore>) {
  it('writes a finding once, then only the sweep document while nothing changes', async () => {
    const { store, writes } = counted(await open());
    let reading: DriftReading = { status: 'ok', detail: 'read', observations: [grant] };
    let now = 0;
    const sweep = () =>
      runDriftSweep({
        store,
        repository,
        readers: [{ name: 'terraform', read: () => Promise.resolve(reading) }],
        acknowledgements: [],
        clock: { now: () => new Date(Date.UTC(2026, 0, 1, 0, ++now)).toISOString() },
      });
    const first = await sweep();
    const second = await sweep();
    expect(first.sweep).toMatchObject({ appeared: 1, written: 1 });
    expect(second.sweep).toMatchObject({ appeared: 0, unchanged: 1, written: 0 });
    expect(writes.map((batch) => batch.map((write) => write.path.split('/').at(-2)))).toEqual([
      ['drift', 'drift-sweeps'],
      ['drift-sweeps'],
    ]);
    const stored = await store.list(paths.drift);
    expect(stored.map((entry) => entry.data['lastSeen'])).toEqual([first.sweep.at]);

    // A source that cannot be read resolves nothing.
    reading = { status: 'failed', detail: 'credentials expired', observations: [] };
    const failed = await sweep();
    expect(failed.sweep).toMatchObject({ resolved: 0, open: 1, written: 0 });

    // Partial, and unable to say which workspaces it left out: it resolves nothing.
    reading = { status: 'partial', detail: 'one project of the organization', observations: [] };
    const narrower = await sweep();
    expect(narrower.sweep).toMatchObject({ resolved: 0, open: 1, written: 0 });

    reading = { status: 'ok', detail: 'read', observations: [] };
    const resolved = await sweep();
    expect(resolved.resolved.map((finding) => finding.attribute)).toEqual(['role']);
    expect((await store.list(paths.drift))[0]?.data['status']).toBe('resolved');
    expect(await store.list(paths.driftSweeps)).toHaveLength(5);
  });
}

describe('a drift sweep on the embedded store', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'infrastream-drift-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });
  sweeps(() => Promise.resolve(new SqliteDocumentStore({ file: join(folder, 'state.sqlite') })));
});

const unavailable = emulatorUnavailable('firestore', 'the drift sweep on the Firestore emulator');

describe.skipIf(unavailable !== undefined)('a drift sweep on the Firestore emulator', () => {
  let host: string;
  beforeAll(async () => {
    host = await emulatorHost('firestore');
  }, EMULATOR_STARTUP_TIMEOUT_MS);
  sweeps(() =>
    Promise.resolve(
      new FirestoreDocumentStore({ projectId: uniqueName('drift'), emulatorHost: host }),
    ),
  );
});
