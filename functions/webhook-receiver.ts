import type { IncomingHttpHeaders } from 'node:http';
import { verify } from '@octokit/webhooks-methods';
import * as v from 'valibot';
import { PUSH_TOPIC, type PushMessage } from '../shared/core/contracts/push-message.ts';
import { classifyPush, pushEventSchema } from '../shared/core/pipeline/classify-push.ts';
import {
  formatGovernedRepository,
  type GovernedRepository,
} from '../shared/core/pipeline/governed-repository.ts';
import type { DeliveryStore } from '../shared/ports/delivery-store.ts';
import type { Publisher } from '../shared/ports/publisher.ts';

/** What the ingest handler needs: its secrets, its repository, its ports and its body limit. */
export interface IngestOptions {
  /** Webhook secrets, any of which may sign a delivery: the old and new one while rotating. */
  readonly secrets: readonly string[];
  /** The one repository whose pushes are processed, by GitHub's id. */
  readonly repository: GovernedRepository;
  readonly deliveries: DeliveryStore;
  readonly publisher: Publisher;
  /** Larger bodies are refused before any HMAC is computed over them. */
  readonly maxBodyBytes: number;
}

/** Exactly what GitHub sends: lowercase hex of an HMAC-SHA256, nothing around it. */
const SIGNATURE = /^sha256=[0-9a-f]{64}$/;
/** GitHub's delivery ids are GUIDs; the id becomes a document key, so no slashes or junk. */
const DELIVERY_ID = /^[A-Za-z0-9-]{1,128}$/;
/** GitHub caps webhook payloads at 25 MB. */
export const DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024;

/** What ingest reads of an HTTP request: any server can supply it. */
export interface WebhookRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received: the signature is over these bytes. */
  readonly rawBody?: Buffer | undefined;
}

/** One HTTP answer: a status and a small JSON body. */
export interface WebhookReply {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * Creates the ingest stage: authenticates a GitHub webhook delivery, refuses a push of any
 * repository but the governed one, deduplicates it and publishes one `push` message of
 * references. It does nothing else, so it answers well within GitHub's 10 s.
 */
export function createWebhookReceiver(
  options: IngestOptions,
): (req: WebhookRequest) => Promise<WebhookReply> {
  const secrets = options.secrets.filter((secret) => secret !== '');
  if (secrets.length === 0) throw new Error('ingest: at least one webhook secret is required');
  const governedId = options.repository.id;
  if (governedId === undefined) {
    throw new Error("ingest: the governed repository must be named with GitHub's id");
  }
  const { deliveries, publisher, maxBodyBytes } = options;
  return handle;

  /** Decides the answer; the caller sends it, so every path answers exactly once. */
  async function handle(req: WebhookRequest): Promise<Reply> {
    if (req.method !== 'POST') return fail(405, 'method not allowed');
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') return fail(415, 'content type must be application/json');
    // The limit is checked before the HMAC so an unauthenticated sender cannot make us hash
    // arbitrarily much.
    const body = req.rawBody ?? Buffer.alloc(0);
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes || body.length > maxBodyBytes) {
      return fail(413, 'body too large');
    }
    const payload = await authenticate(secrets, body, req.headers['x-hub-signature-256']);
    if (payload === undefined) return fail(401, 'invalid signature');

    const event = req.headers['x-github-event'];
    if (typeof event !== 'string' || event === '') return fail(400, 'missing X-GitHub-Event');
    if (event === 'ping') return { status: 200, body: { pong: true } };
    // A 2xx, so GitHub does not mark the hook as failing for events we did not ask for.
    if (event !== 'push') return { status: 202, body: { ignored: true, event } };
    const delivery = req.headers['x-github-delivery'];
    if (typeof delivery !== 'string' || !DELIVERY_ID.test(delivery)) {
      return fail(400, 'missing or malformed X-GitHub-Delivery');
    }
    const decoded = v.safeParse(pushEventSchema, parseJson(payload));
    if (!decoded.success) return fail(400, 'malformed push event');
    const push = decoded.output;
    const repository = push.repository;
    const received = {
      event,
      repository: `${repository.owner.login}/${repository.name}`,
      repositoryId: repository.id,
      ref: push.ref,
      after: push.after,
    };

    // The id, not the name: a rename keeps it, while a fork, a repository created under a
    // freed name or another one the secret or the App also covers has another. Refused with
    // a 403 that GitHub's delivery log shows, recorded so that no redelivery of it is ever
    // processed, and never published, so never parsed.
    if (repository.id !== governedId) {
      const named = formatGovernedRepository({
        owner: repository.owner.login,
        name: repository.name,
        id: repository.id,
      });
      await deliveries.refuse(delivery, {
        ...received,
        refused: `${named} is not the repository this pipeline governs`,
      });
      return {
        status: 403,
        body: { error: 'not the repository this pipeline governs', repository: named },
      };
    }

    const claim = await deliveries.claim(delivery, received);
    if (claim === 'duplicate') return { status: 200, body: { duplicate: true } };
    const { action } = classifyPush(push);
    const message: PushMessage = {
      version: 2,
      delivery,
      repository: {
        owner: repository.owner.login,
        name: repository.name,
        defaultBranch: repository.default_branch,
        id: repository.id,
      },
      ref: push.ref,
      before: push.before,
      after: push.after,
      forced: push.forced,
      created: push.created,
      deleted: push.deleted,
      pusher: push.pusher.name,
    };
    try {
      await publisher.publish(PUSH_TOPIC, message);
    } catch {
      // Nothing was handed on: release the claim so that GitHub's redelivery is accepted,
      // and answer 5xx so that the failure shows in its delivery log.
      await deliveries.release(delivery);
      return fail(503, 'could not publish');
    }
    return { status: 202, body: { accepted: true, action } };
  }
}

type Reply = WebhookReply;

function fail(status: number, error: string): Reply {
  return { status, body: { error } };
}

/**
 * Returns the body as text when one of the secrets signed it, else undefined. The HMAC is
 * over the raw bytes: a body re-serialized by a parser would not match what GitHub signed.
 */
async function authenticate(
  secrets: readonly string[],
  body: Buffer,
  signature: string | string[] | undefined,
): Promise<string | undefined> {
  // Checked before verify(): a repeated header, `sha1=`, uppercase or short hex are refused
  // here, and verify() throws rather than answers on an empty signature or body.
  if (typeof signature !== 'string' || !SIGNATURE.test(signature) || body.length === 0) {
    return undefined;
  }
  let text: string;
  try {
    // verify() hashes a string; bytes that are not UTF-8 would not survive the round trip,
    // and ignoreBOM keeps a leading BOM so the text re-encodes to exactly these bytes.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return undefined;
  }
  for (const secret of secrets) {
    if (await verify(secret, text, signature)) return text;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
