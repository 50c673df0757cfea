import type { IncomingHttpHeaders } from 'node:http';
import { verifyWithFallback } from '@octokit/webhooks-methods';
import type { WebhookEventName } from '@octokit/webhooks/types';
import { decodeCheckRunPayload, type CheckRunFields } from './check-run-payload.ts';
import {
  changesConsent,
  decodePullRequestPayload,
  PULL_REQUEST_EVENTS,
  type PullRequestEvent,
  type PullRequestFields,
} from './pull-request-payload.ts';
import { decodePushPayload, type PushFields } from './push-payload.ts';

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
  /** Why, for the operator's log, when the body cannot say it: never sent. */
  readonly detail?: string;
}

/** A `push` delivery whose signature, headers and fields were checked. */
export interface VerifiedPush {
  readonly delivery: string;
  readonly push: PushFields;
}

/** A `check_run` delivery whose signature, headers and fields were checked. */
export interface VerifiedCheckRun {
  readonly delivery: string;
  readonly checkRun: CheckRunFields;
}

/**
 * A `pull_request` or `pull_request_review` delivery whose signature, headers and fields
 * were checked, of an action that can change the consent check.
 */
export interface VerifiedPullRequest {
  readonly delivery: string;
  readonly event: PullRequestEvent;
  readonly pullRequest: PullRequestFields;
}

/** What the verifier needs: the secrets and the body limit. */
export interface DeliveryVerifierOptions {
  /** Whether `check_run` events come out verified (ingest re-runs checks); else ignored. */
  readonly checkRuns?: boolean;
  /** Webhook secrets, any of which may sign a delivery: the old and new one while rotating. */
  readonly secrets: readonly string[];
  /** Larger bodies are refused before any HMAC is computed over them. */
  readonly maxBodyBytes: number;
  /** Whether pull-request and review events are verified too, rather than ignored. */
  readonly pullRequests?: boolean;
}

/** Exactly what GitHub sends: lowercase hex of an HMAC-SHA256, nothing around it. */
const SIGNATURE = /^sha256=[0-9a-f]{64}$/;
/** GitHub's delivery ids are GUIDs; the id becomes a document key, so no slashes or junk. */
const DELIVERY_ID = /^[A-Za-z0-9-]{1,128}$/;
/** The events ingest acts on; any other is acknowledged and ignored. */
const PING = 'ping' satisfies WebhookEventName;
const PUSH = 'push' satisfies WebhookEventName;
const CHECK_RUN = 'check_run' satisfies WebhookEventName;

/**
 * Creates the check of a GitHub webhook delivery that needs no state: the method, media type,
 * size and signature, then the event. A push comes out verified, with the fields ingest reads
 * checked; everything else comes out as the answer to send (a refusal, a pong, an event
 * acknowledged and ignored). With `pullRequests`, so do the pull-request and review events
 * that can change the consent check.
 */
export function createDeliveryVerifier(
  options: DeliveryVerifierOptions,
): (
  req: WebhookRequest,
) => Promise<WebhookReply | VerifiedPush | VerifiedCheckRun | VerifiedPullRequest> {
  const [secret, ...olderSecrets] = options.secrets.filter((candidate) => candidate !== '');
  if (secret === undefined) throw new Error('ingest: at least one webhook secret is required');
  const { maxBodyBytes } = options;

  return async (req) => {
    if (req.method !== 'POST') return fail(405, 'method not allowed');
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') return fail(415, 'content type must be application/json');
    // The limit is checked before the HMAC so an unauthenticated sender cannot make us hash
    // arbitrarily much.
    const body = req.rawBody ?? Buffer.alloc(0);
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes || body.length > maxBodyBytes) {
      return fail(413, 'body too large');
    }
    const text = await authenticate(secret, olderSecrets, body, req.headers['x-hub-signature-256']);
    if (text === undefined) return fail(401, 'invalid signature');

    const event = req.headers['x-github-event'];
    if (typeof event !== 'string' || event === '') return fail(400, 'missing X-GitHub-Event');
    if (event === PING) return { status: 200, body: { pong: true } };
    const checkRun = event === CHECK_RUN && options.checkRuns === true;
    const pullRequestEvent = options.pullRequests
      ? PULL_REQUEST_EVENTS.find((candidate) => candidate === event)
      : undefined;
    // A 2xx, so GitHub does not mark the hook as failing for events we did not ask for.
    if (event !== PUSH && !checkRun && pullRequestEvent === undefined) {
      return { status: 202, body: { ignored: true, event } };
    }
    const delivery = req.headers['x-github-delivery'];
    if (typeof delivery !== 'string' || !DELIVERY_ID.test(delivery)) {
      return fail(400, 'missing or malformed X-GitHub-Delivery');
    }
    const payload = parseJson(text);
    if (payload === undefined) return fail(400, `malformed ${event} event: the body is not JSON`);
    if (checkRun) {
      const run = decodeCheckRunPayload(payload);
      if (!run.ok) return malformed(event, run.issues);
      return { delivery, checkRun: run.message };
    }
    if (pullRequestEvent !== undefined) {
      const decoded = decodePullRequestPayload(payload);
      if (!decoded.ok) return malformed(event, decoded.issues);
      if (!changesConsent(pullRequestEvent, decoded.message)) {
        return { status: 202, body: { ignored: true, event, action: decoded.message.action } };
      }
      return { delivery, event: pullRequestEvent, pullRequest: decoded.message };
    }
    const decoded = decodePushPayload(payload);
    if (!decoded.ok) return malformed(event, decoded.issues);
    return { delivery, push: decoded.message };
  };
}

function malformed(
  event: string,
  issues: readonly { readonly path: string; readonly message: string }[],
): WebhookReply {
  const [first] = issues;
  return {
    status: 400,
    body: {
      error: `malformed ${event} event: ${first === undefined ? 'unreadable' : describe(first)}`,
      issues: issues.map(describe),
    },
  };
}

function fail(status: number, error: string): WebhookReply {
  return { status, body: { error } };
}

function describe(issue: { readonly path: string; readonly message: string }): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/**
 * Returns the body as text when one of the secrets signed it, else undefined. The HMAC is
 * over the raw bytes: a body re-serialized by a parser would not match what GitHub signed.
 * Each secret is compared in constant time (`verifyWithFallback`, as @octokit/webhooks checks
 * its `additionalSecrets`).
 */
async function authenticate(
  secret: string,
  olderSecrets: readonly string[],
  body: Buffer,
  signature: string | string[] | undefined,
): Promise<string | undefined> {
  // Checked before verifying: a repeated header, `sha1=`, uppercase or short hex are refused
  // here, and the check throws rather than answers on an empty signature or body.
  if (typeof signature !== 'string' || !SIGNATURE.test(signature) || body.length === 0) {
    return undefined;
  }
  let text: string;
  try {
    // The check hashes a string; bytes that are not UTF-8 would not survive the round trip,
    // and ignoreBOM keeps a leading BOM so the text re-encodes to exactly these bytes.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return undefined;
  }
  return (await verifyWithFallback(secret, text, signature, [...olderSecrets])) ? text : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
