import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryInbox } from '../../cli/delivery-inbox.ts';
import { startInboxProcessor, type InboxProcessor } from '../../cli/inbox-processor.ts';
import { createPushAdmission, pushMessage } from '../../functions/push-admission.ts';
import { MemoryPublisher } from '../../shared/adapters/memory-publisher.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { systemClock } from '../../shared/adapters/system-clock.ts';
import { createDocumentDeliveryStore } from '../../shared/pipeline/document-delivery-store.ts';
import { verifiedPush } from '../support/verified-push.ts';

const HOLDER = fileURLToPath(new URL('../support/sqlite-store-child.ts', import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function waitFor(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A processor over a real state store whose writes give up after 200 ms. */
async function setUp() {
  const folder = await mkdtemp(join(tmpdir(), 'infrastream-processor-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  const file = join(folder, 'state.sqlite');
  const store = new SqliteDocumentStore({ file, busyTimeoutMs: 200 });
  cleanups.push(() => store.close());
  await store.write([{ kind: 'delete', path: 'checks/write-access' }]);
  const publisher = new MemoryPublisher();
  const deliveries = createDocumentDeliveryStore(store, systemClock);
  const admission = createPushAdmission({
    repository: { owner: 'acme', name: 'platform', id: 42 },
    deliveries,
    publisher,
  });
  const lines: string[] = [];
  let stagesRun = 0;
  const start = async (): Promise<{ inbox: DeliveryInbox; processor: InboxProcessor }> => {
    const { inbox } = await DeliveryInbox.open(join(folder, 'inbox'));
    const processor = startInboxProcessor({
      inbox,
      admission,
      publishAgain: (entry) => publisher.publish('push', pushMessage(entry.verified)),
      runStages: () => {
        stagesRun++;
        return Promise.resolve();
      },
      log: (line) => lines.push(line),
      firstDelayMs: 50,
      maxDelayMs: 200,
    });
    cleanups.push(() => processor.stop());
    return { inbox, processor };
  };
  return {
    folder,
    file,
    deliveries,
    admission,
    publisher,
    lines,
    start,
    stagesRun: () => stagesRun,
  };
}

describe('the inbox processor of serve', () => {
  it('outlasts a store held past its busy timeout, then runs the push once', async () => {
    const { file, publisher, lines, start, stagesRun } = await setUp();
    const holder: ChildProcess = spawn(process.execPath, [HOLDER, file, 'hold'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => Promise.resolve(holder.kill('SIGKILL')));
    await new Promise((resolve) => holder.stdout?.once('data', resolve));

    const { inbox, processor } = await start();
    await inbox.add(verifiedPush('d-1'));
    await inbox.add(verifiedPush('d-1-again'));
    processor.wake();
    // The store gave up at least twice: each failure was caught, and the delivery waits.
    await waitFor('two tries', () => lines.length >= 2);
    expect(lines[0]).toMatch(
      /^delivery d-1: waits \(The state store .* is busy: .*\); tried again in \d+ s$/,
    );
    expect(processor.status()).toMatchObject({
      backlog: 2,
      waiting: expect.stringContaining('busy') as unknown,
    });
    expect(publisher.published).toEqual([]);

    holder.kill('SIGKILL');
    await waitFor('the backlog to drain', () => processor.status().backlog === 0);
    expect(publisher.messages('push')).toEqual([
      pushMessage(verifiedPush('d-1')),
      pushMessage(verifiedPush('d-1-again')),
    ]);
    expect([processor.finished('d-1'), processor.status().waiting, stagesRun()]).toEqual([
      true,
      null,
      2,
    ]);
  });

  it('runs again a delivery claimed by a process stopped before it was done, marked or not', async () => {
    const { folder, deliveries, admission, publisher, lines, start, stagesRun } = await setUp();
    // What a process stopped between the claim and the end of the stages leaves behind.
    const { inbox: before } = await DeliveryInbox.open(join(folder, 'inbox'));
    await before.add(verifiedPush('d-1'));
    const entry = before.oldest();
    if (entry === undefined) throw new Error('unreachable');
    expect(await admission.admit(entry.verified, () => before.markClaimed(entry))).toMatchObject({
      status: 202,
    });
    // Stopped after the store's claim and before the entry was marked: nothing was published.
    await before.add(verifiedPush('d-2'));
    expect(
      await deliveries.claim('d-2', {
        event: 'push',
        repository: 'acme/platform',
        repositoryId: 42,
        ref: 'refs/heads/main',
        after: verifiedPush('d-2').push.after,
      }),
    ).toBe('new');
    const published = publisher.published.length;

    const { processor } = await start();
    await waitFor('the backlog to drain', () => processor.status().backlog === 0);
    expect(publisher.messages('push').slice(published)).toEqual([
      pushMessage(verifiedPush('d-1')),
      pushMessage(verifiedPush('d-2')),
    ]);
    expect(lines).toEqual(['delivery d-2: claimed before, published again']);
    expect(stagesRun()).toBe(2);
  });
});
