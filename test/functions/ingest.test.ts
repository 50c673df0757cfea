import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { sign } from '@octokit/webhooks-methods';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../functions/ingest.ts';
import { createWebhookReceiver } from '../../functions/webhook-receiver.ts';
import { MemoryDeliveryStore } from '../../shared/adapters/memory-delivery-store.ts';
import { MemoryPublisher } from '../../shared/adapters/memory-publisher.ts';
import { decodePushMessage } from '../../shared/core/contracts/push-message.ts';

const SECRET = 'current-webhook-secret';
const BEFORE = '1111111111111111111111111111111111111111';
const AFTER = '2222222222222222222222222222222222222222';
const ZERO = '0000000000000000000000000000000000000000';

const servers: Server[] = [];
let registered = 0;

/** The repository the handlers govern, as the payloads below name it. */
const GOVERNED = { owner: 'acme', name: 'platform', id: 42 };

/** Serves a fresh ingest handler through the Functions Framework's own server, on a free port. */
async function start(
  secrets: readonly string[] = [SECRET],
  failPublishes = 0,
  { repository = GOVERNED, deliveries = new MemoryDeliveryStore() } = {},
) {
  const publisher = new MemoryPublisher();
  // A fault injected in front of the real embedded publisher: the first publishes fail.
  let failures = failPublishes;
  const faulty = {
    publish: (topic: string, message: unknown) =>
      failures-- > 0
        ? Promise.reject(new Error('bus unavailable'))
        : publisher.publish(topic, message),
  };
  // Registrations are global and permanent: one name per server keeps the tests independent.
  const name = `ingest-test-${String(++registered)}`;
  http(
    name,
    createIngestHandler({
      secrets,
      repository,
      deliveries,
      publisher: faulty,
      maxBodyBytes: 64 * 1024,
    }),
  );
  const server = getTestServer(name);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, deliveries, publisher };
}

type Running = Awaited<ReturnType<typeof start>>;

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A GitHub push payload with the fields ingest reads and a few it must ignore. */
function pushPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...{ ref: 'refs/heads/main', before: BEFORE, after: AFTER },
    ...{ created: false, deleted: false, forced: false },
    head_commit: { id: AFTER, message: 'déploiement ✓ — non-ASCII bytes survive the HMAC' },
    repository: {
      ...{ id: 42, name: 'platform', full_name: 'acme/platform', default_branch: 'main' },
      owner: { login: 'acme', id: 7 },
    },
    pusher: { name: 'octocat', email: 'octocat@example.com' },
    ...overrides,
  };
}

interface Send {
  readonly body?: string;
  readonly event?: string;
  readonly delivery?: string;
  /** Null sends no signature; undefined signs the body sent with `secret`. */
  readonly signature?: string | null;
  readonly secret?: string;
  readonly contentType?: string;
  readonly method?: string;
}

/** Sends one delivery over real HTTP and returns its status and JSON body. */
async function send(running: Running, options: Send = {}) {
  const body = options.body ?? JSON.stringify(pushPayload());
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'x-github-event': options.event ?? 'push',
    'x-github-delivery': options.delivery ?? '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  };
  const signature = options.signature ?? (await sign(options.secret ?? SECRET, body));
  if (options.signature !== null) headers['x-hub-signature-256'] = signature;
  const response = await fetch(running.url, { method: options.method ?? 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** Asserts that the request left no trace: nothing claimed, nothing published. */
function expectNothingDone(running: Running): void {
  expect(running.deliveries.deliveries.size).toBe(0);
  expect(running.publisher.published).toEqual([]);
}

const body = JSON.stringify(pushPayload());
const hex = (await sign(SECRET, body)).slice('sha256='.length);
const sha1 = createHmac('sha1', SECRET).update(body).digest('hex');
// GitHub's bytes, re-serialized with other whitespace: signed compact, sent pretty, so a
// handler that hashed `JSON.stringify(req.body)` would wrongly accept it.
const pretty = { body: JSON.stringify(pushPayload(), null, 2), signature: `sha256=${hex}` };
const oversized = JSON.stringify(pushPayload({ padding: 'x'.repeat(70_000) }));
const upper = `sha256=${hex.toUpperCase()}`;
const UNSUPPORTED = 'content type must be application/json';
const UNAUTHORIZED = [401, 'invalid signature'] as const;

/** Requests refused with nothing claimed or published: [what, request, status, error]. */
const refusals: [string, Send, number, string][] = [
  ['a delivery without a signature', { signature: null }, ...UNAUTHORIZED],
  ['a malformed signature', { signature: 'sha256=not-hex' }, ...UNAUTHORIZED],
  ['a valid HMAC under the sha1= prefix', { signature: `sha1=${sha1}` }, ...UNAUTHORIZED],
  ['a correct signature in uppercase hex', { signature: upper }, ...UNAUTHORIZED],
  ['a signature of the wrong length', { signature: `sha256=${hex.slice(0, -2)}` }, ...UNAUTHORIZED],
  ['a signature over the same JSON, re-serialized', pretty, ...UNAUTHORIZED],
  ['another method than POST', { method: 'PUT' }, 405, 'method not allowed'],
  ['a signed body that is not JSON', { contentType: 'text/plain' }, 415, UNSUPPORTED],
  ['a signed body over the limit', { body: oversized }, 413, 'body too large'],
  ['a push without a delivery id', { delivery: '' }, 400, 'missing or malformed X-GitHub-Delivery'],
];

describe('ingest: refusals', () => {
  it.each(refusals)('refuses %s', async (_what, request, status, error) => {
    const running = await start();
    expect(await send(running, { body, ...request })).toEqual({ status, body: { error } });
    expectNothingDone(running);
  });

  it('refuses a signed push whose fields have other types, saying what was expected', async () => {
    const running = await start();
    const repository = { id: '42', name: 'platform', default_branch: 'main', owner: {} };
    const response = await send(running, { body: JSON.stringify(pushPayload({ repository })) });
    expect(response).toEqual({
      status: 400,
      body: {
        error:
          'malformed push event: repository.id: Invalid type: Expected number but received "42"',
        issues: [
          'repository.id: Invalid type: Expected number but received "42"',
          'repository.owner.login: Invalid key: Expected "login" but received undefined',
        ],
      },
    });
    expectNothingDone(running);
  });

  it('refuses a signed push body that is not JSON (the Functions Framework stops it sooner)', async () => {
    const deliveries = new MemoryDeliveryStore();
    const publisher = new MemoryPublisher();
    const receive = createWebhookReceiver({
      ...{ secrets: [SECRET], repository: GOVERNED, deliveries, publisher },
      maxBodyBytes: 1024,
    });
    const rawBody = Buffer.from('{"ref":');
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': 'not-json-1',
      'x-hub-signature-256': await sign(SECRET, rawBody.toString()),
    };
    expect(await receive({ method: 'POST', headers, rawBody })).toEqual({
      status: 400,
      body: { error: 'malformed push event: the body is not JSON' },
    });
    expect([deliveries.deliveries.size, publisher.published]).toEqual([0, []]);
  });

  it('accepts a delivery signed with the second secret of a rotated list', async () => {
    const running = await start(['new-secret', 'old-secret']);
    const response = await send(running, { secret: 'old-secret' });
    expect(response).toEqual({ status: 202, body: { accepted: true, action: 'apply' } });
    expect(running.publisher.messages('push')).toHaveLength(1);
  });
});

describe('ingest: events', () => {
  it('publishes a replayed delivery once', async () => {
    const running = await start();
    const first = await send(running, { delivery: 'replayed-1' });
    const second = await send(running, { delivery: 'replayed-1' });
    expect(first).toEqual({ status: 202, body: { accepted: true, action: 'apply' } });
    expect(second).toEqual({ status: 200, body: { duplicate: true } });
    expect(running.publisher.published).toHaveLength(1);
  });

  it('releases the claim when the publish fails, so that the redelivery is accepted', async () => {
    const running = await start([SECRET], 1);
    const failed = await send(running, { delivery: 'flaky-1' });
    expect(failed).toEqual({ status: 503, body: { error: 'could not publish' } });
    expect(running.deliveries.deliveries.has('flaky-1')).toBe(false);
    const redelivered = await send(running, { delivery: 'flaky-1' });
    expect(redelivered).toEqual({ status: 202, body: { accepted: true, action: 'apply' } });
    expect(running.publisher.published).toHaveLength(1);
  });

  it('answers a ping with a pong', async () => {
    const running = await start();
    const response = await send(running, { event: 'ping', body: '{"zen":"Keep it simple."}' });
    expect(response).toEqual({ status: 200, body: { pong: true } });
    expectNothingDone(running);
  });

  it('acknowledges and ignores an event other than push', async () => {
    const running = await start();
    const response = await send(running, { event: 'issues', body: '{"action":"opened"}' });
    expect(response).toEqual({ status: 202, body: { ignored: true, event: 'issues' } });
    expectNothingDone(running);
  });

  /** Pushes that are published but never applied: [what, payload changes, action]. */
  const notApplied: [string, Record<string, unknown>, string][] = [
    ['records a tag push', { ref: 'refs/tags/v1.0.0', created: true }, 'record'],
    ['records a deletion of the default branch', { after: ZERO, deleted: true }, 'record'],
    ['plans a push to another branch', { ref: 'refs/heads/feature/network' }, 'plan'],
  ];
  it.each(notApplied)('%s', async (_what, changes, action) => {
    const running = await start();
    const response = await send(running, { body: JSON.stringify(pushPayload(changes)) });
    expect(response).toEqual({ status: 202, body: { accepted: true, action } });
    expect(running.publisher.messages('push')).toMatchObject([changes]);
  });

  it('applies a push to the default branch and publishes references only', async () => {
    const running = await start();
    const response = await send(running, { delivery: 'delivery-apply-1' });
    expect(response).toEqual({ status: 202, body: { accepted: true, action: 'apply' } });
    expect(running.publisher.published.map((entry) => entry.topic)).toEqual(['push']);
    const decoded = decodePushMessage(running.publisher.published[0]?.message);
    // Every field, and no other: nothing of the payload travels beyond the references.
    expect(decoded).toStrictEqual({
      ok: true,
      message: {
        version: 2,
        delivery: 'delivery-apply-1',
        repository: { owner: 'acme', name: 'platform', defaultBranch: 'main', id: 42 },
        ref: 'refs/heads/main',
        before: BEFORE,
        after: AFTER,
        forced: false,
        created: false,
        deleted: false,
        pusher: 'octocat',
      },
    });
    expect(running.deliveries.deliveries.get('delivery-apply-1')).toEqual({
      event: 'push',
      repository: 'acme/platform',
      repositoryId: 42,
      ref: 'refs/heads/main',
      after: AFTER,
    });
  });
});

/** A push payload of another repository than the governed one, or of the governed one renamed. */
function pushOf(owner: string, name: string, id: number): string {
  return JSON.stringify(
    pushPayload({
      repository: {
        ...{ id, name, full_name: `${owner}/${name}`, default_branch: 'main' },
        owner: { login: owner, id: 7 },
      },
    }),
  );
}

describe('ingest: the governed repository', () => {
  /** Pushes that are not the governed repository's: [what, owner, name, id]. */
  const foreign: [string, string, string, number][] = [
    ['a repository created under the governed one’s name', 'acme', 'platform', 43],
    ['a fork', 'mallory', 'platform', 9001],
    ['another repository the secret also covers', 'acme', 'website', 44],
  ];

  it.each(foreign)('refuses a push of %s, records it and publishes nothing', async (...args) => {
    const [, owner, name, id] = args;
    const running = await start();
    const response = await send(running, { body: pushOf(owner, name, id), delivery: 'foreign-1' });
    expect(response).toEqual({
      status: 403,
      body: {
        error: 'not the repository this pipeline governs',
        repository: `${owner}/${name}#${String(id)}`,
      },
    });
    expect(running.publisher.published).toEqual([]);
    expect([...running.deliveries.deliveries]).toEqual([
      [
        'foreign-1',
        {
          event: 'push',
          repository: `${owner}/${name}`,
          repositoryId: id,
          ref: 'refs/heads/main',
          after: AFTER,
          refused: `${owner}/${name}#${String(id)} is not the repository this pipeline governs`,
        },
      ],
    ]);
  });

  it('accepts a push of the governed repository renamed, under its new name', async () => {
    const running = await start();
    const response = await send(running, { body: pushOf('acme-freight', 'manifests', 42) });
    expect(response).toEqual({ status: 202, body: { accepted: true, action: 'apply' } });
    expect(running.publisher.messages('push')).toMatchObject([
      { repository: { owner: 'acme-freight', name: 'manifests', id: 42 } },
    ]);
  });

  it('never processes a refused delivery, even redelivered once its repository is governed', async () => {
    const deliveries = new MemoryDeliveryStore();
    const first = await start([SECRET], 0, { deliveries });
    const refused = { body: pushOf('acme', 'website', 44), delivery: 'website-1' };
    expect((await send(first, refused)).status).toBe(403);
    expect((await send(first, refused)).status).toBe(403);
    const website = { owner: 'acme', name: 'website', id: 44 };
    const second = await start([SECRET], 0, { repository: website, deliveries });
    expect(await send(second, refused)).toEqual({ status: 200, body: { duplicate: true } });
    expect([first.publisher.published, second.publisher.published]).toEqual([[], []]);
    expect(deliveries.deliveries.get('website-1')).toHaveProperty('refused');
  });

  it('refuses to start without the governed repository’s id', () => {
    expect(() =>
      createIngestHandler({
        secrets: [SECRET],
        repository: { owner: 'acme', name: 'platform' },
        deliveries: new MemoryDeliveryStore(),
        publisher: new MemoryPublisher(),
        maxBodyBytes: 1024,
      }),
    ).toThrow("ingest: the governed repository must be named with GitHub's id");
  });
});
