import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FileDocumentStore } from '../../shared/adapters/file-document-store.ts';
import type { DocumentWrite } from '../../shared/ports/document-store.ts';
import { documentStoreContract } from './document-store-contract.ts';

const CHILD = fileURLToPath(new URL('../support/file-store-child.ts', import.meta.url));
/** File creation and process start-up slow down many times over on a busy machine. */
const SLOW_MS = 60_000;
const folders: string[] = [];
const children: ChildProcess[] = [];

async function temporaryRoot(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'infrastream-state-'));
  folders.push(folder);
  return join(folder, 'state');
}

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(
    folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })),
  );
});

documentStoreContract('FileDocumentStore', async () => {
  const store = new FileDocumentStore({ root: await temporaryRoot() });
  return { store, close: () => Promise.resolve() };
});

/** Runs test/support/file-store-child.ts on the folder: another process using the store. */
function child(root: string, ...args: string[]) {
  const process_ = spawn(process.execPath, [CHILD, root, ...args], {
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

describe('FileDocumentStore', () => {
  it(
    'writes 10,000 small documents in one call',
    async () => {
      const store = new FileDocumentStore({ root: await temporaryRoot() });
      const writes = Array.from({ length: 10_000 }, (_, index): DocumentWrite => ({
        kind: 'set',
        path: `resources/r${String(index).padStart(5, '0')}`,
        data: { index, kind: 'Project', name: `project-${String(index)}`, labels: ['a'] },
      }));
      const started = performance.now();
      await store.write(writes);
      const wrote = performance.now() - started;
      const listed = await store.list('resources');
      console.log(
        `FileDocumentStore: 10,000 documents written in ${wrote.toFixed(0)} ms, ` +
          `listed in ${(performance.now() - started - wrote).toFixed(0)} ms`,
      );
      expect(listed).toHaveLength(10_000);
      expect(listed[9_999]?.data).toEqual({
        index: 9_999,
        kind: 'Project',
        name: 'project-9999',
        labels: ['a'],
      });
    },
    SLOW_MS,
  );

  it('reads a folder that does not exist as empty, and leaves it so', async () => {
    const root = await temporaryRoot();
    const store = new FileDocumentStore({ root });
    expect(await store.get('things/a')).toBeUndefined();
    expect(await store.list('things')).toEqual([]);
    expect(existsSync(root)).toBe(false);
    await store.write([{ kind: 'set', path: 'things/a', data: { value: 1 } }]);
    expect(await new FileDocumentStore({ root }).get('things/a')).toEqual({ value: 1 });
  });

  it('keeps ids apart that differ only in case, escaping or length', async () => {
    const store = new FileDocumentStore({ root: await temporaryRoot() });
    const long = 'x'.repeat(1400);
    const ids = ['a', 'A', '^a', '%41', 'a.json', 'a.d', 'a d', '日本', `${long}1`, `${long}2`];
    await store.write([
      ...ids.map((id): DocumentWrite => ({ kind: 'set', path: `ids/${id}`, data: { id } })),
      { kind: 'set', path: 'ids/a/children/c', data: { child: true } },
    ]);
    for (const id of ids) expect(await store.get(`ids/${id}`)).toEqual({ id });
    expect((await store.list('ids')).map((document) => document.id).sort()).toEqual(
      [...ids].sort(),
    );
    expect(await store.list('ids/a/children')).toEqual([{ id: 'c', data: { child: true } }]);
    expect(await store.list('ids/a.d/children')).toEqual([]);
  });

  it('finishes, on opening, a commit whose process died after writing its journal', async () => {
    const root = await temporaryRoot();
    const before = new FileDocumentStore({ root });
    await before.write([
      { kind: 'set', path: 'things/a', data: { value: 1 } },
      { kind: 'set', path: 'things/b', data: { value: 1 } },
    ]);
    // As a commit leaves it when cut short: the journal complete, its first write applied.
    const content = (id: string, value: number) => `${JSON.stringify({ id, data: { value } })}\n`;
    await before.write([{ kind: 'set', path: 'things/a', data: { value: 2 } }]);
    writeFileSync(
      join(root, 'journal.json'),
      JSON.stringify({
        writes: [
          { path: 'things/a', content: content('a', 2) },
          { path: 'things/b' },
          { path: 'things/c', content: content('c', 3) },
        ],
      }),
    );
    const after = new FileDocumentStore({ root });
    expect(await after.list('things')).toEqual([
      { id: 'a', data: { value: 2 } },
      { id: 'c', data: { value: 3 } },
    ]);
    expect(existsSync(join(root, 'journal.json'))).toBe(false);
  });

  it('ignores a journal that was never completed', async () => {
    const root = await temporaryRoot();
    const store = new FileDocumentStore({ root });
    await store.write([{ kind: 'set', path: 'things/a', data: { value: 1 } }]);
    writeFileSync(join(root, 'journal.json.tmp'), '{"writes": [{"path": "things/a"');
    expect(await new FileDocumentStore({ root }).get('things/a')).toEqual({ value: 1 });
  });

  it(
    'lands a transaction whole or not at all when its process is killed',
    async () => {
      const root = await temporaryRoot();
      const store = new FileDocumentStore({ root });
      const count = 3000;
      await store.write(
        Array.from({ length: count }, (_, index): DocumentWrite => ({
          kind: 'set',
          path: `bulk/${String(index).padStart(5, '0')}`,
          data: { value: 'old' },
        })),
      );
      const writer = child(root, 'bulk', String(count), 'new');
      await writer.said('committing');
      // Killed as soon as its journal exists, that is somewhere in the middle of its commit.
      while (!existsSync(join(root, 'journal.json')) && writer.process.exitCode === null) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      writer.process.kill('SIGKILL');
      await writer.exited;
      const values = new Set(
        (await new FileDocumentStore({ root }).list('bulk')).map(
          (document) => document.data['value'],
        ),
      );
      expect(values.size).toBe(1);
      expect(existsSync(join(root, 'journal.json'))).toBe(false);
    },
    SLOW_MS,
  );

  it(
    'breaks the lock of a process that died holding it',
    async () => {
      const root = await temporaryRoot();
      const holder = child(root, 'hold');
      await holder.said('holding');
      holder.process.kill('SIGKILL');
      await holder.exited;
      expect(existsSync(join(root, 'lock'))).toBe(true);
      const store = new FileDocumentStore({ root, lockTimeoutMs: 30_000 });
      await store.transact((transaction) => {
        transaction.set('things/a', { value: 1 });
        return Promise.resolve();
      });
      expect(await store.get('things/a')).toEqual({ value: 1 });
    },
    SLOW_MS,
  );

  it(
    'waits for a live holder of the lock, and says who holds it when it gives up',
    async () => {
      const root = await temporaryRoot();
      const holder = child(root, 'hold');
      await holder.said('holding');
      const store = new FileDocumentStore({ root, lockTimeoutMs: 300 });
      await expect(store.write([{ kind: 'set', path: 'things/a', data: {} }])).rejects.toThrow(
        new RegExp(`waiting for the lock .*held by process ${String(holder.process.pid)} on `),
      );
      expect(await store.get('things/a')).toBeUndefined();
    },
    SLOW_MS,
  );

  it(
    'serializes transactions of two processes on one folder',
    async () => {
      const root = await temporaryRoot();
      const store = new FileDocumentStore({ root });
      const other = child(root, 'increment', '100');
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

  it('serializes transactions of two stores on one folder in one process', async () => {
    const root = await temporaryRoot();
    const stores = [new FileDocumentStore({ root }), new FileDocumentStore({ root })];
    const increments = stores.flatMap((store) =>
      Array.from({ length: 20 }, () =>
        store.transact(async (transaction) => {
          const counter = await transaction.get('counters/c');
          await new Promise((resolve) => setImmediate(resolve));
          transaction.set('counters/c', { value: Number(counter?.['value'] ?? 0) + 1 });
        }),
      ),
    );
    await Promise.all(increments);
    expect(await stores[0]?.get('counters/c')).toEqual({ value: 40 });
  });
});
