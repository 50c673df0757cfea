import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryInbox } from '../../cli/delivery-inbox.ts';
import { verifiedPush } from '../support/verified-push.ts';

const folders: string[] = [];

afterEach(async () => {
  await Promise.all(
    folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })),
  );
});

async function inboxFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'infrastream-inbox-'));
  folders.push(folder);
  return join(folder, 'inbox');
}

describe('the inbox of serve', () => {
  it('keeps deliveries on disk in the order they came, once each, through a restart', async () => {
    const folder = await inboxFolder();
    const { inbox } = await DeliveryInbox.open(folder);
    expect(await inbox.add(verifiedPush('d-1'))).toBe('added');
    expect(await inbox.add(verifiedPush('d-2'))).toBe('added');
    expect(await inbox.add(verifiedPush('d-1'))).toBe('duplicate');
    const first = inbox.oldest();
    expect(first?.verified).toEqual(verifiedPush('d-1'));
    if (first === undefined) throw new Error('unreachable');
    await inbox.markClaimed(first);

    const { inbox: reopened, unreadable } = await DeliveryInbox.open(folder);
    expect(unreadable).toEqual([]);
    expect(reopened.size).toBe(2);
    expect(reopened.has('d-2')).toBe(true);
    const oldest = reopened.oldest();
    expect(oldest).toMatchObject({ claimed: true, verified: verifiedPush('d-1') });
    if (oldest === undefined) throw new Error('unreachable');
    await reopened.remove(oldest);
    expect(reopened.oldest()?.verified.delivery).toBe('d-2');
    expect(reopened.has('d-1')).toBe(false);
    // A delivery added after a restart comes after those left from before.
    await reopened.add(verifiedPush('d-3'));
    expect((await readdir(folder)).sort()).toEqual([
      '000000000002-d-2.json',
      '000000000003-d-3.json',
    ]);
  });

  it('keeps the fields it reads and nothing else of a push', async () => {
    const folder = await inboxFolder();
    const { inbox } = await DeliveryInbox.open(folder);
    await inbox.add(verifiedPush('d-1'));
    const [name] = await readdir(folder);
    expect(JSON.parse(await readFile(join(folder, String(name)), 'utf8'))).toEqual({
      version: 1,
      ...verifiedPush('d-1'),
    });
  });

  it('drops what a process stopped while writing left, and sets aside a file it cannot read', async () => {
    const folder = await inboxFolder();
    const { inbox } = await DeliveryInbox.open(folder);
    await inbox.add(verifiedPush('d-1'));
    await writeFile(join(folder, '.tmp-000000000002-d-2.json'), '{"vers');
    await writeFile(join(folder, '000000000003-d-3.json'), '{"version":1,"delivery":"d-3"}');
    const { inbox: reopened, unreadable } = await DeliveryInbox.open(folder);
    expect(unreadable).toEqual([join(folder, '000000000003-d-3.json.unreadable')]);
    expect(reopened.size).toBe(1);
    expect((await readdir(folder)).sort()).toEqual([
      '000000000001-d-1.json',
      '000000000003-d-3.json.unreadable',
    ]);
  });
});
