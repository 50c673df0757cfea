import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../shared/adapters/github-client.ts';
import { GitHubError } from '../../shared/adapters/github-error.ts';
import { createGitHubRepositorySource } from '../../shared/adapters/github-repository-source.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';
import { createAppKeys } from '../support/loopback-github.ts';

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

/** An RS256 JWT signed with `privateKey`, as a GitHub App makes one. */
function appJwt(privateKey: string, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${signed}.${createSign('sha256').update(signed).sign(privateKey, 'base64url')}`;
}

describe('the GitHub App client', () => {
  it('exchanges a signed JWT for an installation token and sends that token after', async () => {
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });

    await source.tree(fixture.repository, commit);
    await source.tree(fixture.repository, commit);

    const [exchange, ...rest] = fixture.github.requests;
    expect(exchange?.path).toBe(
      `/app/installations/${fixture.github.installationId}/access_tokens`,
    );
    expect(exchange?.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(rest).toHaveLength(2);
    for (const request of rest) expect(request.authorization).toMatch(/^token ghs_[0-9a-f]+$/);
    expect(exchange?.userAgent).toMatch(/^infrastream\/\d+\.\d+\.\d+ /);
  });

  it('surfaces GitHub refusing an App signed with the wrong key as a clear error', async () => {
    const octokit = createGitHubClient({
      appId: fixture.github.appId,
      privateKey: createAppKeys().privateKey,
      installationId: fixture.github.installationId,
      baseUrl: fixture.github.baseUrl,
    });
    const source = createGitHubRepositorySource({ octokit });

    const reading = source.tree(fixture.repository, commit);

    await expect(reading).rejects.toBeInstanceOf(GitHubError);
    await expect(reading).rejects.toMatchObject({ status: 401, kind: 'permanent' });
    await expect(reading).rejects.toThrow(
      /reading the tree of acme\/platform at [0-9a-f]{40}: GitHub refused the App's credentials \(401: .*\); check the App id, its private key and the installation id/,
    );
    expect(fixture.github.requests.every((request) => request.path.startsWith('/app/'))).toBe(true);
  });

  it('is refused for an installation the App does not have', async () => {
    const octokit = createGitHubClient({
      appId: fixture.github.appId,
      privateKey: fixture.github.privateKey,
      installationId: 1,
      baseUrl: fixture.github.baseUrl,
    });

    await expect(
      createGitHubRepositorySource({ octokit }).tree(fixture.repository, commit),
    ).rejects.toThrow(/refused the App's credentials \(404: /);
  });

  it('validates its options before any request', () => {
    const valid = {
      appId: 1,
      privateKey: fixture.github.privateKey,
      installationId: 2,
      baseUrl: fixture.github.baseUrl,
    };
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();

    expect(() => createGitHubClient({ ...valid, appId: 'abc' })).toThrow(
      'GitHub App option appId: expected a positive integer, found "abc"',
    );
    expect(() => createGitHubClient({ ...valid, installationId: 0 })).toThrow(
      'option installationId: expected a positive integer, found "0"',
    );
    expect(() => createGitHubClient({ ...valid, privateKey: 'not a key' })).toThrow(
      'option privateKey: expected a PEM private key',
    );
    expect(() =>
      createGitHubClient({
        ...valid,
        privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      }),
    ).toThrow('option privateKey: not a readable PEM private key');
    expect(() => createGitHubClient({ ...valid, privateKey: ecKey })).toThrow(
      'option privateKey: expected an RSA key, found ec key',
    );
    expect(() =>
      createGitHubClient({ ...valid, baseUrl: 'http://github.example.com/api/v3' }),
    ).toThrow('option baseUrl: expected an https URL (http only on 127.0.0.1, ::1 or localhost)');
    expect(() => createGitHubClient({ ...valid, baseUrl: 'api.github.com' })).toThrow(
      'option baseUrl: expected an http(s) URL, found "api.github.com"',
    );
    // Keys kept in environment variables often arrive with escaped line breaks.
    const escaped = fixture.github.privateKey.replace(/\n/g, '\\n');
    expect(() => createGitHubClient({ ...valid, privateKey: escaped })).not.toThrow();
  });
});

describe('loopback GitHub', () => {
  const tokenUrl = () =>
    `${fixture.github.baseUrl}/app/installations/${fixture.github.installationId}/access_tokens`;
  const now = () => Math.floor(Date.now() / 1000);

  it('issues a token only for a JWT of the App that has not expired', async () => {
    const post = (jwt: string) =>
      fetch(tokenUrl(), { method: 'POST', headers: { authorization: `Bearer ${jwt}` } });
    const { privateKey } = fixture.github;
    const iss = fixture.github.appId;

    expect(
      (await post(appJwt(privateKey, { iss, iat: now() - 30, exp: now() + 300 }))).status,
    ).toBe(201);
    expect(
      (await post(appJwt(privateKey, { iss, iat: now() - 700, exp: now() - 100 }))).status,
    ).toBe(401);
    expect(
      (await post(appJwt(privateKey, { iss: 1, iat: now() - 30, exp: now() + 300 }))).status,
    ).toBe(401);
    expect(
      (await post(appJwt(privateKey, { iss, iat: now() - 30, exp: now() + 3600 }))).status,
    ).toBe(401);
    const stranger = createAppKeys().privateKey;
    expect((await post(appJwt(stranger, { iss, iat: now() - 30, exp: now() + 300 }))).status).toBe(
      401,
    );
  });

  it('refuses repository requests without an issued token', async () => {
    const url = `${fixture.github.baseUrl}/repos/acme/platform/git/commits/${commit}`;

    const anonymous = await fetch(url);
    const invented = await fetch(url, { headers: { authorization: 'token ghs_invented' } });
    const jwtInstead = await fetch(url, {
      headers: {
        authorization: `Bearer ${appJwt(fixture.github.privateKey, { iss: fixture.github.appId, iat: now(), exp: now() + 60 })}`,
      },
    });

    expect([anonymous.status, invented.status, jwtInstead.status]).toEqual([401, 401, 401]);
    expect(await anonymous.json()).toMatchObject({ message: 'Bad credentials' });
  });
});
