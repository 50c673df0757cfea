import { readFile } from 'node:fs/promises';
import { Firestore, GrpcStatus } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import { googleApiError } from '../../shared/adapters/google-api-error.ts';
import { TransientError } from '../../shared/pipeline/stage.ts';
import { classifyFailure } from '../../shared/ports/classify-failure.ts';
import type { FailureKind } from '../../shared/ports/port-error.ts';
import {
  EMULATOR_STARTUP_TIMEOUT_MS,
  emulatorHost,
  emulatorUnavailable,
  uniqueName,
} from '../support/emulators.ts';
import { grpcError } from '../support/grpc-error.ts';
import { documentStoreContract } from './document-store-contract.ts';

const unavailable = emulatorUnavailable('firestore', 'the Firestore emulator tests');

describe.skipIf(unavailable !== undefined)('FirestoreDocumentStore on the emulator', () => {
  let host: string;
  beforeAll(async () => {
    host = await emulatorHost('firestore');
  }, EMULATOR_STARTUP_TIMEOUT_MS);

  // The emulator keeps each project's data apart: a project per test is an empty database.
  documentStoreContract('FirestoreDocumentStore', () => {
    const store = new FirestoreDocumentStore({
      projectId: uniqueName('contract'),
      emulatorHost: host,
    });
    return Promise.resolve({ store, close: () => store.close() });
  });

  describe('storage', () => {
    const projectId = uniqueName('storage');
    let store: FirestoreDocumentStore;
    let raw: Firestore;
    beforeAll(() => {
      store = new FirestoreDocumentStore({ projectId, emulatorHost: host });
      raw = new Firestore({ projectId, host, ssl: false, universeDomain: 'googleapis.com' });
    });
    afterAll(async () => {
      await store.close();
      await raw.terminate();
    });

    it('stores a document Firestore can hold as native fields', async () => {
      const data = { name: 'checkout', tags: ['a', 'b'], limits: { cpu: 2 } };
      await store.write([{ kind: 'set', path: 'projects/checkout', data }]);
      expect((await raw.doc('projects/checkout').get()).data()).toEqual(data);
    });

    it('stores a large map or array field, or one Firestore cannot hold, as its JSON text', async () => {
      const spec = {
        description: 'checkout',
        regions: ['europe-west1', 'europe-west4'],
        limits: { cpu: 2, memory: '1Gi', instances: 3 },
      };
      const data = { name: 'checkout', spec, edges: [['a', 'b']], odd: 'lone \uD800 surrogate' };
      await store.write([{ kind: 'set', path: 'projects/encoded', data }]);
      expect((await raw.doc('projects/encoded').get()).data()).toEqual({
        name: 'checkout',
        'spec~json': JSON.stringify(spec),
        'edges~json': JSON.stringify(data.edges),
        'odd~json': JSON.stringify(data.odd),
      });
      expect(await store.get('projects/encoded')).toEqual(data);
    });

    it('stores a document with a field name Firestore refuses whole, as its JSON text', async () => {
      const data = { __name__: 'reserved', 'spec~json': 'looks encoded', kept: 1 };
      await store.write([{ kind: 'set', path: 'graphs/g', data }]);
      expect((await raw.doc('graphs/g').get()).data()).toEqual({ '~json': JSON.stringify(data) });
      expect(await store.get('graphs/g')).toEqual(data);
    });

    it('reads a stored field named like __proto__ as an own field, never as the prototype', async () => {
      await raw.doc('odd/proto').set({ '__proto__~json': '{"polluted":true}', kept: 1 });
      const read = await store.get('odd/proto');
      expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(read, '__proto__')?.value).toEqual({ polluted: true });
      expect(read?.['polluted']).toBeUndefined();
      expect(read?.['kept']).toBe(1);
    });

    it('writes more than 10 MiB in one call, in batches Firestore accepts', async () => {
      const text = 'x'.repeat(900 * 1024);
      const writes = Array.from({ length: 12 }, (_, index) => ({
        kind: 'set' as const,
        path: `large/${String(index).padStart(2, '0')}`,
        data: { index, text },
      }));
      await store.write(writes);
      const listed = await store.list('large');
      expect(listed.map((document) => document.data['index'])).toEqual(
        writes.map((_, index) => index),
      );
      expect(listed.every((document) => document.data['text'] === text)).toBe(true);
    });
  });
});

describe('Firestore errors, as its client throws them, in the three classes', () => {
  const table: readonly {
    readonly error: ReturnType<typeof grpcError>;
    readonly kind: FailureKind;
  }[] = [
    {
      error: grpcError(GrpcStatus.PERMISSION_DENIED, 'Missing or insufficient permissions.'),
      kind: 'permanent',
    },
    {
      error: grpcError(GrpcStatus.INVALID_ARGUMENT, 'Document exceeds the maximum size'),
      kind: 'permanent',
    },
    {
      error: grpcError(GrpcStatus.NOT_FOUND, 'The database (default) does not exist'),
      kind: 'permanent',
    },
    {
      error: grpcError(GrpcStatus.FAILED_PRECONDITION, 'The query requires an index.'),
      kind: 'permanent',
    },
    {
      error: grpcError(
        GrpcStatus.UNAUTHENTICATED,
        'Request had invalid authentication credentials.',
      ),
      kind: 'permanent',
    },
    { error: grpcError(GrpcStatus.UNAVAILABLE, 'No connection established'), kind: 'transient' },
    { error: grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'), kind: 'transient' },
    { error: grpcError(GrpcStatus.ABORTED, 'Transaction lock timeout.'), kind: 'transient' },
    { error: grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'Quota exceeded.'), kind: 'transient' },
    { error: grpcError(GrpcStatus.INTERNAL, 'Internal error'), kind: 'transient' },
  ];
  for (const row of table) {
    it(`${row.error.message}: ${row.kind}`, () => {
      const error = googleApiError('Firestore', 'writing 1 documents', row.error);
      expect(error).toMatchObject({ kind: row.kind, code: row.error.code });
      expect(classifyFailure(error)).toEqual({
        kind: row.kind,
        reason: `Firestore refused writing 1 documents (${row.error.message.replace(/^(\d+) (\w+):.*$/, '$2 $1')}): ${row.error.message}`,
      });
    });
  }

  it('leaves what is not a Firestore answer as it is: a bug is no backend failure', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'data')");
    expect(googleApiError('Firestore', 'reading x/y', bug)).toBe(bug);
    expect(classifyFailure(bug).kind).toBe('unknown');
  });
});

describe.skipIf(unavailable !== undefined)('Firestore errors on the emulator', () => {
  let host: string;
  let store: FirestoreDocumentStore;
  const projectId = uniqueName('errors');
  beforeAll(async () => {
    host = await emulatorHost('firestore');
    store = new FirestoreDocumentStore({ projectId, emulatorHost: host });
  }, EMULATOR_STARTUP_TIMEOUT_MS);
  afterAll(async () => {
    await store.close();
  });

  const tooLarge = { text: 'x'.repeat(1_100_000) };

  it('a document over 1 MiB: permanent, written alone or in a transaction', async () => {
    const written = await store
      .write([{ kind: 'set', path: 'large/one', data: tooLarge }])
      .catch((error: unknown) => error);
    expect(written).toMatchObject({ kind: 'permanent', code: GrpcStatus.INVALID_ARGUMENT });
    expect(classifyFailure(written).reason).toMatch(
      /^Firestore refused writing 1 documents \(INVALID_ARGUMENT 3\): 3 INVALID_ARGUMENT: .*longer than/,
    );

    const transacted = await store
      .transact((transaction) => {
        transaction.set('large/two', tooLarge);
        return Promise.resolve();
      })
      .catch((error: unknown) => error);
    expect(classifyFailure(transacted)).toMatchObject({ kind: 'permanent' });
  });

  it("a transaction's own failure goes through as it was thrown", async () => {
    const waiting = new TransientError('revision 1 is still being recorded');
    const thrown = await store
      .transact(() => Promise.reject(waiting))
      .catch((error: unknown) => error);
    expect(thrown).toBe(waiting);
  });

  it('a client the security rules refuse: PERMISSION_DENIED, permanent', async () => {
    // The rules deployed with the pipeline, and a signed-in user rather than the emulator's
    // owner (which the rules do not govern), as an unsigned token the emulator accepts.
    const rulesProject = uniqueName('rules');
    const rules = await readFile(new URL('../../firestore.rules', import.meta.url), 'utf8');
    const loaded = await fetch(
      `http://${host}/emulator/v1/projects/${rulesProject}:securityRules`,
      {
        method: 'PUT',
        body: JSON.stringify({ rules: { files: [{ name: 'firestore.rules', content: rules }] } }),
      },
    );
    expect(loaded.status).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
      iss: `https://securetoken.google.com/${rulesProject}`,
      aud: rulesProject,
      sub: 'someone',
      user_id: 'someone',
      iat: now,
      auth_time: now,
      exp: now + 3600,
    })}.`;
    const client = new Firestore({
      projectId: rulesProject,
      host,
      ssl: false,
      universeDomain: 'googleapis.com',
      customHeaders: { Authorization: `Bearer ${token}` },
    });
    const refused = await client
      .doc('repositories/x')
      .get()
      .catch((error: unknown) => error);
    await client.terminate();

    expect(refused).toMatchObject({ code: GrpcStatus.PERMISSION_DENIED });
    const error = googleApiError('Firestore', 'reading repositories/x', refused);
    expect(classifyFailure(error)).toMatchObject({
      kind: 'permanent',
      reason: expect.stringMatching(
        /^Firestore refused reading repositories\/x \(PERMISSION_DENIED 7\)/,
      ) as unknown,
    });
  });
});
