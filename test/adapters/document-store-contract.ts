import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  DocumentData,
  DocumentStore,
  DocumentWrite,
} from '../../shared/ports/document-store.ts';

/** An emulator on a busy two-core machine can take seconds over one contended transaction. */
const TEST_TIMEOUT_MS = 30_000;

/** A store under test, empty when opened, and how to let go of it. */
export interface OpenedStore {
  readonly store: DocumentStore;
  close(): Promise<void>;
}

/** Every JSON shape a document can hold, including those Firestore cannot hold natively. */
const VARIED: DocumentData = {
  text: 'plain',
  unicode: 'Grüße, 東京, emoji 🚀, combining é, RTL עברית',
  empty: '',
  numbers: [0, 1, -1, 0.1, 1e300, -2.5e-300, Number.MAX_SAFE_INTEGER, 2 ** 60],
  booleans: [true, false],
  nothing: null,
  nested: { deeper: { deepest: [1, { two: [null, 'three'] }] }, empty: {} },
  emptyArray: [],
  arrays: [[1, 2], [], [['x']]],
  'key with spaces.and.dots': 1,
  'ключ 🔑': 'value',
};

/**
 * The behaviour every {@link DocumentStore} shares, run against each backend: `open` gives
 * a fresh, empty store for every test.
 */
export function documentStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`${name} (DocumentStore contract)`, { timeout: TEST_TIMEOUT_MS }, () => {
    let opened: OpenedStore;
    let store: DocumentStore;
    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.close();
    });

    it('gets undefined for a missing document and the data of a present one', async () => {
      expect(await store.get('things/missing')).toBeUndefined();
      await store.write([{ kind: 'set', path: 'things/a', data: { value: 1 } }]);
      expect(await store.get('things/a')).toEqual({ value: 1 });
    });

    it('replaces the whole document on set, and deletes', async () => {
      await store.write([{ kind: 'set', path: 'things/a', data: { old: 1, kept: 2 } }]);
      await store.write([{ kind: 'set', path: 'things/a', data: { kept: 3 } }]);
      expect(await store.get('things/a')).toEqual({ kept: 3 });
      await store.write([{ kind: 'delete', path: 'things/a' }]);
      expect(await store.get('things/a')).toBeUndefined();
      await store.write([{ kind: 'delete', path: 'things/never-there' }]);
      expect(await store.list('things')).toEqual([]);
    });

    it('lists only the direct children of a collection, ordered by id', async () => {
      const ids = ['b', 'a', 'B', 'a1', '10', '9', 'é', 'z', 'a-b', 'a.b', 'Z~1'];
      await store.write([
        ...ids.map((id): DocumentWrite => ({ kind: 'set', path: `things/${id}`, data: { id } })),
        { kind: 'set', path: 'things/a/parts/p1', data: { part: true } },
        { kind: 'set', path: 'others/x', data: { other: true } },
        { kind: 'set', path: 'orphans/none/things/child', data: { orphan: true } },
      ]);
      const listed = await store.list('things');
      expect(listed.map((document) => document.id)).toEqual([
        '10',
        '9',
        'B',
        'Z~1',
        'a',
        'a-b',
        'a.b',
        'a1',
        'b',
        'z',
        'é',
      ]);
      expect(listed.every((document) => document.data['id'] === document.id)).toBe(true);
      expect(await store.list('things/a/parts')).toEqual([{ id: 'p1', data: { part: true } }]);
      expect(await store.list('orphans/none/things')).toEqual([
        { id: 'child', data: { orphan: true } },
      ]);
      expect(await store.list('nothing-here')).toEqual([]);
    });

    it('writes 1,200 documents in one call', async () => {
      const writes = Array.from({ length: 1200 }, (_, index): DocumentWrite => ({
        kind: 'set',
        path: `bulk/${String(index).padStart(4, '0')}`,
        data: { index, label: `document ${String(index)}` },
      }));
      await store.write(writes);
      const listed = await store.list('bulk');
      expect(listed).toHaveLength(1200);
      expect(listed[0]).toEqual({ id: '0000', data: { index: 0, label: 'document 0' } });
      expect(listed[1199]).toEqual({ id: '1199', data: { index: 1199, label: 'document 1199' } });
    });

    it('applies the writes of one call in order, the last write to a path winning', async () => {
      await store.write([
        { kind: 'set', path: 'things/a', data: { step: 1 } },
        { kind: 'delete', path: 'things/a' },
        { kind: 'set', path: 'things/a', data: { step: 3 } },
        { kind: 'set', path: 'things/b', data: { step: 1 } },
        { kind: 'delete', path: 'things/b' },
      ]);
      expect(await store.list('things')).toEqual([{ id: 'a', data: { step: 3 } }]);
    });

    it('round-trips JSON values exactly', async () => {
      await store.write([{ kind: 'set', path: 'values/varied', data: VARIED }]);
      expect(await store.get('values/varied')).toEqual(VARIED);
      const awkward: DocumentData = {
        __reserved__: 'a field name Firestore reserves',
        '': 'an empty field name',
        '~json': 'the name the Firestore store encodes under',
        deep: Array.from({ length: 24 }).reduce<unknown>((inner) => ({ inner }), 'bottom'),
      };
      await store.write([{ kind: 'set', path: 'values/awkward', data: awkward }]);
      expect(await store.get('values/awkward')).toEqual(awkward);
      expect(await store.list('values')).toEqual([
        { id: 'awkward', data: awkward },
        { id: 'varied', data: VARIED },
      ]);
    });

    it('keeps what was written, whatever the caller does to its object afterwards', async () => {
      const data = { list: [1], nested: { value: 'before' } };
      await store.write([{ kind: 'set', path: 'things/a', data }]);
      data.list.push(2);
      data.nested.value = 'after';
      expect(await store.get('things/a')).toEqual({ list: [1], nested: { value: 'before' } });
    });

    it('commits nothing from a transaction that throws', async () => {
      await store.write([{ kind: 'set', path: 'accounts/a', data: { balance: 10 } }]);
      await expect(
        store.transact(async (transaction) => {
          const account = await transaction.get('accounts/a');
          transaction.set('accounts/a', { balance: Number(account?.['balance']) - 10 });
          transaction.set('accounts/b', { balance: 10 });
          throw new Error('refused by the work itself');
        }),
      ).rejects.toThrow('refused by the work itself');
      expect(await store.get('accounts/a')).toEqual({ balance: 10 });
      expect(await store.get('accounts/b')).toBeUndefined();
    });

    it('commits every write of a transaction and returns its result', async () => {
      await store.write([{ kind: 'set', path: 'accounts/a', data: { balance: 10 } }]);
      const moved = await store.transact(async (transaction) => {
        const account = await transaction.get('accounts/a');
        const missing = await transaction.get('accounts/none');
        transaction.set('accounts/a', { balance: Number(account?.['balance']) - 4 });
        transaction.set('accounts/b', { balance: 4, sawMissing: missing === undefined });
        transaction.delete('accounts/none');
        return 4;
      });
      expect(moved).toBe(4);
      expect(await store.get('accounts/a')).toEqual({ balance: 6 });
      expect(await store.get('accounts/b')).toEqual({ balance: 4, sawMissing: true });
    });

    it('lands both of two concurrent read-modify-write transactions', async () => {
      await store.write([{ kind: 'set', path: 'counters/c', data: { value: 0 } }]);
      const increment = () =>
        store.transact(async (transaction) => {
          const counter = await transaction.get('counters/c');
          transaction.set('counters/c', { value: Number(counter?.['value']) + 1 });
        });
      await Promise.all([increment(), increment()]);
      expect(await store.get('counters/c')).toEqual({ value: 2 });
    });

    it('reads several documents as they stood together, in the order asked', async () => {
      await store.write([
        { kind: 'set', path: 'things/a', data: { value: 1 } },
        { kind: 'set', path: 'other/c', data: { value: 3 } },
      ]);
      expect(await store.getAll([])).toEqual([]);
      expect(await store.getAll(['other/c', 'things/b', 'things/a'])).toEqual([
        { value: 3 },
        undefined,
        { value: 1 },
      ]);
      await expect(store.getAll(['things/a', 'things'])).rejects.toThrow(
        /document path "things".*even number of segments/,
      );
    });

    it('reads several documents at once in a transaction, in the order asked', async () => {
      await store.write([
        { kind: 'set', path: 'things/a', data: { value: 1 } },
        { kind: 'set', path: 'things/c', data: { value: 3 } },
      ]);
      const read = await store.transact(async (transaction) => {
        const [none, found] = [
          await transaction.getAll([]),
          await transaction.getAll(['things/c', 'things/b', 'things/a']),
        ];
        transaction.set('things/b', { seen: found.map((data) => data?.['value'] ?? null) });
        return { none, found };
      });
      expect(read).toEqual({ none: [], found: [{ value: 3 }, undefined, { value: 1 }] });
      expect(await store.get('things/b')).toEqual({ seen: [3, null, 1] });
      await expect(
        store.transact(async (transaction) => {
          transaction.set('things/d', { value: 4 });
          await transaction.getAll(['things/a']);
        }),
      ).rejects.toThrow(/reads come before its writes/);
      await expect(
        store.transact((transaction) => transaction.getAll(['things/a', 'things'])),
      ).rejects.toThrow(/document path "things".*even number of segments/);
    });

    it('refuses a read after a write in a transaction, and commits nothing', async () => {
      await expect(
        store.transact(async (transaction) => {
          transaction.set('things/a', { value: 1 });
          await transaction.get('things/b');
        }),
      ).rejects.toThrow(/reads come before its writes/);
      expect(await store.get('things/a')).toBeUndefined();
    });

    it('rejects invalid paths with a message naming the path and the rule', async () => {
      await expect(store.get('things')).rejects.toThrow(
        /document path "things".*even number of segments.*found 1/,
      );
      await expect(store.list('things/a')).rejects.toThrow(
        /collection path "things\/a".*odd number of segments.*found 2/,
      );
      await expect(store.get('things//a/b')).rejects.toThrow(
        /"things\/\/a\/b": segment 2 is empty/,
      );
      await expect(store.get('/things/a')).rejects.toThrow(/segment 1 is empty/);
      await expect(store.get('things/..')).rejects.toThrow(/segment 2 is "\.\."/);
      await expect(store.list('things/./parts')).rejects.toThrow(/segment 2 is "\."/);
      await expect(store.get('things/__id__')).rejects.toThrow(/reserved form/);
      await expect(store.get('')).rejects.toThrow(/expected a non-empty string/);
    });

    it('checks every write before applying any', async () => {
      await expect(
        store.write([
          { kind: 'set', path: 'things/a', data: { value: 1 } },
          { kind: 'set', path: 'things/b/c', data: { value: 2 } },
        ]),
      ).rejects.toThrow(/document path "things\/b\/c"/);
      await expect(
        store.write([
          { kind: 'set', path: 'things/a', data: { value: 1 } },
          { kind: 'set', path: 'things/b', data: { when: new Date(0) } },
        ]),
      ).rejects.toThrow(
        /Document "things\/b": field "when" is not JSON: found an instance of Date/,
      );
      await expect(
        store.write([{ kind: 'set', path: 'things/c', data: { list: [1, Number.NaN] } }]),
      ).rejects.toThrow(/field "list\[1\]" is not JSON: found NaN/);
      await expect(
        store.write([{ kind: 'set', path: 'things/d', data: { gone: undefined } }]),
      ).rejects.toThrow(/field "gone" is not JSON: found undefined \(leave the field out/);
      expect(await store.list('things')).toEqual([]);
    });
  });
}
