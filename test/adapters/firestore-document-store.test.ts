import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import {
  EMULATOR_STARTUP_TIMEOUT_MS,
  emulatorHost,
  emulatorUnavailable,
  uniqueName,
} from '../support/emulators.ts';
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
