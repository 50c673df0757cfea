import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';

/** One GitHub webhook delivery, exactly as sent: the bytes and the headers over them. */
export interface Webhook {
  readonly delivery: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A push, as a GitHub push event describes it. */
export interface PushedCommit {
  readonly owner: string;
  readonly name: string;
  /** GitHub's repository id; {@link GITHUB_REPOSITORY_ID} unless given. */
  readonly id?: number;
  readonly defaultBranch: string;
  readonly ref: string;
  readonly before: string;
  readonly after: string;
  /** The head commit's message. */
  readonly message: string;
}

const ZERO = '0'.repeat(40);

/** The GitHub id of the repository the tests push to unless they say otherwise. */
export const GITHUB_REPOSITORY_ID = 42;

/**
 * A `push` delivery as GitHub sends it: the event's JSON (the fields GitHub always sends,
 * trimmed of the many it also sends), signed with `secret` in `X-Hub-Signature-256`, with a
 * fresh `X-GitHub-Delivery`.
 */
export async function signedPushWebhook(secret: string, push: PushedCommit): Promise<Webhook> {
  const delivery = randomUUID();
  const fullName = `${push.owner}/${push.name}`;
  const commit = { id: push.after, message: push.message, distinct: true };
  const body = JSON.stringify({
    ref: push.ref,
    before: push.before,
    after: push.after,
    repository: {
      id: push.id ?? GITHUB_REPOSITORY_ID,
      name: push.name,
      full_name: fullName,
      private: true,
      owner: { login: push.owner, id: 7, type: 'Organization' },
      default_branch: push.defaultBranch,
      master_branch: push.defaultBranch,
    },
    pusher: { name: 'octocat', email: 'octocat@example.com' },
    sender: { login: 'octocat', id: 1, type: 'User' },
    created: push.before === ZERO,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${fullName}/compare/${push.before.slice(0, 12)}...${push.after.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit,
  });
  return {
    delivery,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/loopback',
      'x-github-event': 'push',
      'x-github-delivery': delivery,
      'x-github-hook-id': '123456',
      'x-hub-signature-256': await sign(secret, body),
    },
  };
}

/**
 * A `check_run` delivery as GitHub sends it when someone presses "Re-run" (`rerequested`)
 * or one of its buttons (`requested_action`) on a check run of the App's, signed with `secret`.
 */
export async function signedCheckRunWebhook(
  secret: string,
  run: {
    readonly owner: string;
    readonly name: string;
    readonly id?: number;
    readonly defaultBranch: string;
    readonly action: string;
    readonly checkName: string;
    readonly headSha: string;
    /** The app whose check run it is; the loopback App's (1) unless said. */
    readonly appId?: number;
    /** For `requested_action`: the identifier of the button pressed. */
    readonly requestedAction?: string;
    /** Who pressed it; octocat unless said. */
    readonly sender?: string;
  },
): Promise<Webhook> {
  const delivery = randomUUID();
  const body = JSON.stringify({
    action: run.action,
    check_run: {
      id: 4,
      name: run.checkName,
      head_sha: run.headSha,
      status: 'completed',
      conclusion: 'failure',
      app: { id: run.appId ?? 1, slug: 'infrastream' },
      check_suite: { id: 5, head_branch: run.defaultBranch, head_sha: run.headSha },
      pull_requests: [],
    },
    repository: {
      id: run.id ?? GITHUB_REPOSITORY_ID,
      name: run.name,
      full_name: `${run.owner}/${run.name}`,
      private: true,
      owner: { login: run.owner, id: 7, type: 'Organization' },
      default_branch: run.defaultBranch,
    },
    ...(run.requestedAction === undefined
      ? {}
      : { requested_action: { identifier: run.requestedAction } }),
    sender: { login: run.sender ?? 'octocat', id: 1, type: 'User' },
  });
  return {
    delivery,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/loopback',
      'x-github-event': 'check_run',
      'x-github-delivery': delivery,
      'x-github-hook-id': '123456',
      'x-hub-signature-256': await sign(secret, body),
    },
  };
}

/** Sends a delivery to `url`; the status and JSON body of the answer. */
export async function deliverWebhook(
  url: string,
  hook: Webhook,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: hook.headers, body: hook.body });
  return { status: response.status, body: await response.json() };
}
