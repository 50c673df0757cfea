import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../shared/adapters/github-client.ts';
import { GitHubError } from '../../shared/adapters/github-error.ts';
import { createGitHubRepositorySource } from '../../shared/adapters/github-repository-source.ts';
import { classifyFailure } from '../../shared/ports/classify-failure.ts';
import type { FailureKind } from '../../shared/ports/port-error.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';
import { createAppKeys, type Reply } from '../support/loopback-github.ts';

let fixture: GitHubFixture;
let commit: string;
beforeEach(async () => {
  fixture = await createGitHubFixture();
  await fixture.repo.write({ 'organization.yaml': 'kind: Organization\n' });
  commit = await fixture.repo.commit('manifests');
});
afterEach(async () => {
  await fixture.dispose();
});

const message = (text: string) => ({
  message: text,
  documentation_url: 'https://docs.github.com/rest',
});
/** Seconds since the epoch, as GitHub's `x-ratelimit-reset` says it. */
const RESET = 2_000_000_000;

/** What GitHub answers, and the class the adapter must give it. */
const table: readonly {
  readonly answer: string;
  readonly reply: Reply;
  readonly kind: FailureKind;
  /** For a rate limit: seconds from the answer's `date` (or the epoch reset) to the retry. */
  readonly retry?: { readonly after: number } | { readonly at: number };
}[] = [
  {
    answer: '401 Bad credentials',
    reply: { status: 401, body: message('Bad credentials') },
    kind: 'permanent',
  },
  {
    answer: '403 without a rate limit (a permission the App lacks)',
    reply: {
      status: 403,
      body: message('Resource not accessible by integration'),
      headers: { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(RESET) },
    },
    kind: 'permanent',
  },
  {
    answer: '404 Not Found',
    reply: { status: 404, body: message('Not Found') },
    kind: 'permanent',
  },
  {
    answer: '409 Conflict',
    reply: { status: 409, body: message('Git Repository is empty.') },
    kind: 'permanent',
  },
  {
    answer: '422 Unprocessable Entity',
    reply: { status: 422, body: message('Validation Failed') },
    kind: 'permanent',
  },
  {
    answer: '403 with no requests remaining (primary rate limit)',
    reply: {
      status: 403,
      body: message('API rate limit exceeded for installation ID 777.'),
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(RESET) },
    },
    kind: 'rate-limited',
    retry: { at: RESET },
  },
  {
    answer: '429 with x-ratelimit-reset',
    reply: {
      status: 429,
      body: message('API rate limit exceeded'),
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(RESET) },
    },
    kind: 'rate-limited',
    retry: { at: RESET },
  },
  {
    answer: '403 secondary rate limit with retry-after',
    reply: {
      status: 403,
      body: message('You have exceeded a secondary rate limit. Please wait a few minutes.'),
      headers: { 'retry-after': '30' },
    },
    kind: 'rate-limited',
    retry: { after: 30 },
  },
  {
    answer: '403 secondary rate limit naming no time',
    reply: {
      status: 403,
      body: message('You have exceeded a secondary rate limit. Please wait a few minutes.'),
    },
    kind: 'rate-limited',
    retry: { after: 60 },
  },
  {
    answer: '408 Request Timeout',
    reply: { status: 408, body: message('Request Timeout') },
    kind: 'transient',
  },
  {
    answer: '500 Internal Server Error',
    reply: { status: 500, body: message('Server Error') },
    kind: 'transient',
  },
  {
    answer: '502 Bad Gateway',
    reply: { status: 502, body: message('Bad Gateway') },
    kind: 'transient',
  },
  {
    answer: '503 Service Unavailable',
    reply: { status: 503, body: message('Service Unavailable') },
    kind: 'transient',
  },
];

/** What reading the tree throws when GitHub answers the tree request with `reply`. */
async function treeFailure(reply: Reply): Promise<{ error: unknown; date: number }> {
  let date = Number.NaN;
  fixture.github.answerInstead = (request) => {
    if (!request.path.includes('/git/trees/')) return undefined;
    date = Math.floor(Date.now() / 1000) * 1000;
    return reply;
  };
  const source = createGitHubRepositorySource({ octokit: fixture.octokit });
  const error = await source.tree(fixture.repository, commit).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return { error, date };
}

describe('GitHub errors, as Octokit throws them, in the three classes', () => {
  for (const row of table) {
    it(`${row.answer}: ${row.kind}`, async () => {
      const { error, date } = await treeFailure(row.reply);

      expect(error).toBeInstanceOf(GitHubError);
      expect(error).toMatchObject({ status: row.reply.status, kind: row.kind });
      const failure = classifyFailure(error);
      expect(failure.kind).toBe(row.kind);
      expect(failure.reason).toMatch(/^reading the tree of acme\/platform at [0-9a-f]{40}: /);
      const retryAt = failure.kind === 'rate-limited' ? failure.retryAt : undefined;
      if (row.retry === undefined) {
        expect(retryAt).toBeUndefined();
      } else if ('at' in row.retry) {
        expect(retryAt).toBe(new Date(row.retry.at * 1000).toISOString());
      } else {
        // The server's `date` header has whole seconds, read around the answer.
        const at = Date.parse(retryAt ?? '');
        expect(at - date).toBeGreaterThanOrEqual(row.retry.after * 1000 - 1000);
        expect(at - date).toBeLessThanOrEqual(row.retry.after * 1000 + 1000);
      }
    });
  }

  it('GitHub unreachable: transient, without a status', async () => {
    const { baseUrl } = fixture.github;
    await fixture.github.close();
    const source = createGitHubRepositorySource({
      octokit: createGitHubClient({
        appId: fixture.github.appId,
        privateKey: fixture.github.privateKey,
        installationId: fixture.github.installationId,
        baseUrl,
      }),
    });
    // The fixture's own close must still succeed once.
    fixture.github.close = () => Promise.resolve();

    const error = await source.tree(fixture.repository, commit).catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ status: undefined, kind: 'transient' });
    expect(classifyFailure(error)).toMatchObject({
      kind: 'transient',
      reason: expect.stringMatching(/GitHub could not be reached/) as unknown,
    });
  });

  it("the App's credentials refused: permanent; the token exchange failing on GitHub's side: transient", async () => {
    const wrongKey = createGitHubRepositorySource({
      octokit: createGitHubClient({
        appId: fixture.github.appId,
        privateKey: createAppKeys().privateKey,
        installationId: fixture.github.installationId,
        baseUrl: fixture.github.baseUrl,
      }),
    });
    expect(
      classifyFailure(await wrongKey.tree(fixture.repository, commit).catch((e: unknown) => e)),
    ).toMatchObject({
      kind: 'permanent',
      reason: expect.stringMatching(/App's credentials \(401/) as unknown,
    });

    fixture.github.answerInstead = (request) =>
      request.path.endsWith('/access_tokens')
        ? { status: 502, body: message('Bad Gateway') }
        : undefined;
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });
    expect(
      classifyFailure(await source.tree(fixture.repository, commit).catch((e: unknown) => e)),
    ).toMatchObject({
      kind: 'transient',
      reason: expect.stringMatching(/App's credentials \(502/) as unknown,
    });
  });
});
