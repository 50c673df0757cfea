import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { classifyFailure } from '../../shared/ports/classify-failure.ts';
import type { DocumentWrite } from '../../shared/ports/document-store.ts';
import { documentStoreContract } from './document-store-contract.ts';

const CHILD = fileURLToPath(new URL('../support/sqlite-store-child.ts', import.meta.url));
/** Process start-up and disk writes slow down many times over on a busy machine. */
const SLOW_MS = 60_000;
const folders: string[] = [];
const children: ChildProcess[] = [];
const stores: SqliteDocumentStore[] = [];

/** A database file that does not exist yet, in a folder that does not exist yet. */
async function temporaryFile(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'infrastream-state-'));
  folders.push(folder);
  return join(folder, 'state', 'state.sqlite');
}

function openStore(file: string, busyTimeoutMs?: number): SqliteDocumentStore {
  const store = new SqliteDocumentStore({
    file,
    ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
  });
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await Promise.all(
    folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })),
  );
});

documentStoreContract('SqliteDocumentStore on a file', async () => {
  const store = new SqliteDocumentStore({ file: await temporaryFile() });
  return { store, close: () => store.close() };
});

documentStoreContract('SqliteDocumentStore in memory', () => {
  const store = new SqliteDocumentStore({ file: ':memory:' });
  return Promise.resolve({ store, close: () => store.close() });
});

/** Runs test/support/sqlite-store-child.ts on the file: another process using the store. */
function child(file: string, ...args: string[]) {
  const process_ = spawn(process.execPath, [CHILD, file, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(process_);
  let output = '';
  let errors = '';
  process_.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  process_.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => process_.once('exit', resolve));
  return {
    process: process_,
    exited,
    /** Resolves once the child has printed `line`. */
    said: (line: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.includes(`${line}\n`)) resolve();
        };
        process_.stdout.on('data', check);
        check();
        void exited.then(() => {
          reject(new Error(`child exited before saying "${line}": ${errors}`));
        });
      }),
    errors: () => errors,
  };
}

describe('SqliteDocumentStore', () => {
  it(
    'writes 20,000 small documents in one call',
    async () => {
      const store = openStore(await temporaryFile());
      const writes = Array.from({ length: 20_000 }, (_, index): DocumentWrite => ({
        kind: 'set',
        path: `resources/r${String(index).padStart(5, '0')}`,
        data: { index, kind: 'Project', name: `project-${String(index)}`, labels: ['a'] },
      }));
      const started = performance.now();
      await store.write(writes);
      const wrote = performance.now() - started;
      const listed = await store.list('resources');
      console.log(
        `SqliteDocumentStore: 20,000 documents written in ${wrote.toFixed(0)} ms, ` +
          `listed in ${(performance.now() - started - wrote).toFixed(0)} ms`,
      );
      expect(listed).toHaveLength(20_000);
      expect(listed[19_999]?.data).toEqual({
        index: 19_999,
        kind: 'Project',
        name: 'project-19999',
        labels: ['a'],
      });
    },
    SLOW_MS,
  );

  it('reads a file that does not exist as empty, and leaves it so', async () => {
    const file = await temporaryFile();
    const store = openStore(file);
    expect(await store.get('things/a')).toBeUndefined();
    expect(await store.list('things')).toEqual([]);
    expect(existsSync(file)).toBe(false);
    await store.write([{ kind: 'set', path: 'things/a', data: { value: 1 } }]);
    expect(await openStore(file).get('things/a')).toEqual({ value: 1 });
  });

  it('keeps ids apart that differ only in case, escaping or length', async () => {
    const store = openStore(await temporaryFile());
    const long = 'x'.repeat(1400);
    const ids = ['a', 'A', '^a', '%41', 'a%', 'a_', 'a d', '日本', `${long}1`, `${long}2`];
    await store.write([
      ...ids.map((id): DocumentWrite => ({ kind: 'set', path: `ids/${id}`, data: { id } })),
      { kind: 'set', path: 'ids/a/children/c', data: { child: true } },
    ]);
    for (const id of ids) expect(await store.get(`ids/${id}`)).toEqual({ id });
    expect((await store.list('ids')).map((document) => document.id).sort()).toEqual(
      [...ids].sort(),
    );
    expect(await store.list('ids/a/children')).toEqual([{ id: 'c', data: { child: true } }]);
    expect(await store.list('ids/a_/children')).toEqual([]);
  });

  it('refuses to work after it is closed, saying so', async () => {
    const store = new SqliteDocumentStore({ file: ':memory:' });
    await store.write([{ kind: 'set', path: 'things/a', data: { value: 1 } }]);
    await store.close();
    await expect(store.get('things/a')).rejects.toThrow('The state store :memory: is closed');
  });

  it('says what is wrong with a file that is not its database', async () => {
    const file = await temporaryFile();
    await openStore(file).write([{ kind: 'set', path: 'things/a', data: { value: 1 } }]);
    const other = join(file, '..', 'not-a-database.sqlite');
    writeFileSync(other, 'plain text, long enough to be taken for a database header '.repeat(4));
    await expect(openStore(other).get('things/a')).rejects.toThrow(
      /Cannot open the state store .*not-a-database\.sqlite: file is not a database/,
    );
  });

  it(
    'lands a transaction whole or not at all when its process is killed',
    async () => {
      const file = await temporaryFile();
      const count = 3000;
      await openStore(file).write(
        Array.from({ length: count }, (_, index): DocumentWrite => ({
          kind: 'set',
          path: `bulk/${String(index).padStart(5, '0')}`,
          data: { value: 'old' },
        })),
      );
      const writer = child(file, 'bulk', String(count), 'new');
      // From here on the child only applies its writes and commits.
      await writer.said('committing');
      writer.process.kill('SIGKILL');
      await writer.exited;
      const listed = await openStore(file).list('bulk');
      expect(listed).toHaveLength(count);
      expect(new Set(listed.map((document) => document.data['value'])).size).toBe(1);
      const database = new DatabaseSync(file);
      try {
        expect(database.prepare('PRAGMA integrity_check').get()).toEqual({
          integrity_check: 'ok',
        });
      } finally {
        database.close();
      }
    },
    SLOW_MS,
  );

  it(
    'makes a write wait while another process holds a transaction',
    async () => {
      const file = await temporaryFile();
      const holder = child(file, 'hold-then-set');
      await holder.said('holding');
      const store = openStore(file);
      // Cannot begin before the holder commits, so it must see the holder's write.
      await store.transact(async (transaction) => {
        const seen = await transaction.get('things/a');
        transaction.set('things/b', { saw: seen?.['by'] ?? null });
      });
      expect(await holder.exited, holder.errors()).toBe(0);
      expect(await store.get('things/b')).toEqual({ saw: 'child' });
    },
    SLOW_MS,
  );

  it(
    'gives up after its busy timeout, saying the store is busy and where it is: a transient failure',
    async () => {
      const file = await temporaryFile();
      await openStore(file).write([{ kind: 'set', path: 'things/a', data: { value: 1 } }]);
      const holder = child(file, 'hold');
      await holder.said('holding');
      const store = openStore(file, 300);
      const refused = new RegExp(`The state store ${file.replaceAll('.', '\\.')} is busy`);
      await expect(store.write([{ kind: 'set', path: 'things/b', data: {} }])).rejects.toThrow(
        refused,
      );
      await expect(store.transact(() => Promise.resolve())).rejects.toThrow(refused);
      const busy = await store
        .write([{ kind: 'set', path: 'things/b', data: {} }])
        .catch((error: unknown) => error);
      expect(classifyFailure(busy)).toMatchObject({ kind: 'transient' });
      // Readers never wait for a writer.
      expect(await store.get('things/a')).toEqual({ value: 1 });
      expect(await store.get('things/b')).toBeUndefined();
    },
    SLOW_MS,
  );

  it(
    'waits for another process without stopping the event loop, then gives up after its busy timeout',
    async () => {
      const file = await temporaryFile();
      await openStore(file).write([{ kind: 'set', path: 'things/a', data: { value: 1 } }]);
      const holder = child(file, 'hold');
      await holder.said('holding');
      const store = openStore(file, 1500);
      let ticks = 0;
      const ticking = setInterval(() => ticks++, 20);
      const busy = await store
        .transact(() => Promise.resolve())
        .catch((error: unknown) => error)
        .finally(() => {
          clearInterval(ticking);
        });
      expect(classifyFailure(busy)).toMatchObject({ kind: 'transient' });
      // A blocked thread would have let barely one tick through in all that time.
      expect(ticks).toBeGreaterThan(10);
    },
    SLOW_MS,
  );

  it(
    'serializes transactions of two processes on one file',
    async () => {
      const file = await temporaryFile();
      const store = openStore(file);
      await store.write([{ kind: 'set', path: 'counters/c', data: { value: 0 } }]);
      const other = child(file, 'increment', '100');
      for (let index = 0; index < 100; index++) {
        await store.transact(async (transaction) => {
          const counter = await transaction.get('counters/c');
          transaction.set('counters/c', { value: Number(counter?.['value'] ?? 0) + 1 });
        });
      }
      expect(await other.exited, other.errors()).toBe(0);
      expect(await store.get('counters/c')).toEqual({ value: 200 });
    },
    SLOW_MS,
  );

  it('serializes transactions of two stores on one file in one process', async () => {
    const file = await temporaryFile();
    const pair = [openStore(file), openStore(join(file, '..', '..', 'state', 'state.sqlite'))];
    const increments = pair.flatMap((store) =>
      Array.from({ length: 20 }, () =>
        store.transact(async (transaction) => {
          const counter = await transaction.get('counters/c');
          await new Promise((resolve) => setImmediate(resolve));
          transaction.set('counters/c', { value: Number(counter?.['value'] ?? 0) + 1 });
        }),
      ),
    );
    await Promise.all(increments);
    expect(await pair[0]?.get('counters/c')).toEqual({ value: 40 });
    expect(await pair[1]?.get('counters/c')).toEqual({ value: 40 });
  });
});
