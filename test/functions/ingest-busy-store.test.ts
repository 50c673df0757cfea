import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../functions/ingest.ts';
import { MemoryPublisher } from '../../shared/adapters/memory-publisher.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { systemClock } from '../../shared/adapters/system-clock.ts';
import { createDocumentDeliveryStore } from '../../shared/pipeline/document-delivery-store.ts';
import { APPLY_CHECK } from '../../shared/pipeline/apply-check.ts';
import {
  deliverWebhook,
  signedCheckRunWebhook,
  signedPushWebhook,
} from '../support/github-webhook.ts';

const HOLDER = fileURLToPath(new URL('../support/sqlite-store-child.ts', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Another process holding the store's write lock until it is killed. */
async function holdStore(file: string): Promise<ChildProcess> {
  const holder = spawn(process.execPath, [HOLDER, file, 'hold'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => {
    holder.kill('SIGKILL');
    return Promise.resolve();
  });
  await new Promise<void>((resolve, reject) => {
    let said = '';
    holder.stdout.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('holding\n')) resolve();
    });
    holder.once('exit', () => {
      reject(new Error('the holder exited before holding the store'));
    });
  });
  return holder;
}

describe('ingest while its delivery store is unavailable', () => {
  it('answers 503, publishes nothing, and accepts the delivery sent again once the store is back', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'infrastream-ingest-'));
    const store = new SqliteDocumentStore({
      file: join(folder, 'state.sqlite'),
      busyTimeoutMs: 300,
    });
    cleanups.push(
      () => rm(folder, { recursive: true, force: true }),
      () => store.close(),
    );
    await store.write([{ kind: 'delete', path: 'checks/write-access' }]);
    const publisher = new MemoryPublisher();
    http(
      'ingest-busy-store',
      createIngestHandler({
        secrets: ['secret'],
        repository: { owner: 'acme', name: 'platform', id: 42 },
        deliveries: createDocumentDeliveryStore(store, systemClock),
        publisher,
        maxBodyBytes: 64 * 1024,
      }),
    );
    const server: Server = getTestServer('ingest-busy-store');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
    const hook = await signedPushWebhook('secret', {
      ...{ owner: 'acme', name: 'platform', defaultBranch: 'main', ref: 'refs/heads/main' },
      ...{ before: '1'.repeat(40), after: '2'.repeat(40), message: 'A change' },
    });

    const holder = await holdStore(join(folder, 'state.sqlite'));
    expect(await deliverWebhook(url, hook)).toEqual({
      status: 503,
      body: { error: 'the delivery store is unavailable: send the delivery again later' },
    });
    expect(publisher.published).toEqual([]);

    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(await deliverWebhook(url, hook)).toEqual({
      status: 202,
      body: { accepted: true, action: 'apply' },
    });
    expect(publisher.messages('push')).toHaveLength(1);
  });

  it('answers 503 to a Re-run of the apply check, of the governed repository or another, and requests nothing', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'infrastream-ingest-'));
    const store = new SqliteDocumentStore({
      file: join(folder, 'state.sqlite'),
      busyTimeoutMs: 300,
    });
    cleanups.push(
      () => rm(folder, { recursive: true, force: true }),
      () => store.close(),
    );
    await store.write([{ kind: 'delete', path: 'checks/write-access' }]);
    const publisher = new MemoryPublisher();
    http(
      'ingest-busy-store-check-run',
      createIngestHandler({
        secrets: ['secret'],
        repository: { owner: 'acme', name: 'platform', id: 42 },
        deliveries: createDocumentDeliveryStore(store, systemClock),
        publisher,
        maxBodyBytes: 64 * 1024,
        checkRuns: { store, clock: systemClock, appId: 1 },
      }),
    );
    const server: Server = getTestServer('ingest-busy-store-check-run');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
    const rerun = (id: number) =>
      signedCheckRunWebhook('secret', {
        ...{ owner: 'acme', name: 'platform', id, defaultBranch: 'main' },
        ...{ action: 'rerequested', checkName: APPLY_CHECK, headSha: '2'.repeat(40) },
      });
    const governed = await rerun(42);
    const other = await rerun(43);

    const holder = await holdStore(join(folder, 'state.sqlite'));
    const unavailable = {
      status: 503,
      body: { error: 'the delivery store is unavailable: send the delivery again later' },
    };
    expect(await deliverWebhook(url, governed)).toEqual(unavailable);
    expect(await deliverWebhook(url, other)).toEqual(unavailable);
    expect(publisher.published).toEqual([]);

    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect((await deliverWebhook(url, other)).status).toBe(403);
    expect((await deliverWebhook(url, governed)).status).toBe(200);
  });
});
