import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PublicationReport } from '../../shared/core/drift/drift-report.ts';
import { baseOrganization } from '../support/base-organization.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';

interface DriftJson {
  readonly sweep: { readonly written: number };
  readonly publication?: PublicationReport;
  readonly findings: readonly { readonly fingerprint: string; readonly source: string }[];
}

describe('infrastream drift, published to GitHub', () => {
  let repository: TestRepository;
  let fixture: GitHubFixture;
  let gitHub: Record<string, string>;

  const drift = async (env: Record<string, string>, ...args: string[]) => {
    fixture.github.requests.length = 0;
    const run = await runCli(['drift', repository.directory, '--format', 'json', ...args], {
      env,
    });
    return { ...run, report: JSON.parse(run.stdout || 'null') as DriftJson };
  };
  /** What reached GitHub that changes something: issues written, SARIF uploaded. */
  const gitHubWrites = () =>
    fixture.github.requests
      .filter((request) => request.method !== 'GET' && !request.path.startsWith('/app/'))
      .map((request) => `${request.method} ${request.path}`);

  beforeAll(async () => {
    fixture = await createGitHubFixture();
    gitHub = {
      INFRASTREAM_GITHUB_APP_ID: String(fixture.github.appId),
      INFRASTREAM_GITHUB_PRIVATE_KEY: fixture.github.privateKey,
      INFRASTREAM_GITHUB_INSTALLATION_ID: String(fixture.github.installationId),
      INFRASTREAM_GITHUB_API_URL: fixture.github.baseUrl,
      INFRASTREAM_REPOSITORY: 'acme/platform#42',
    };
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(baseOrganization));
    // A CODEOWNERS edited around the pipeline: drift of the repository itself.
    await repository.write({ '.github/CODEOWNERS': '* @someone\n' });
    await repository.commit('The base organization, owned by someone');
  }, 60_000);
  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
    await fixture.dispose();
  });
  beforeEach(() => {
    fixture.github.answerInstead = undefined;
  });

  it('publishes nothing, and says so, when GitHub is not configured or --no-publish is given', async () => {
    const local = await drift({});
    expect(local.code).toBe(1);
    expect(local.report.publication).toEqual({
      status: 'unavailable',
      detail:
        'GitHub is not configured (INFRASTREAM_GITHUB_APP_ID, INFRASTREAM_GITHUB_PRIVATE_KEY, INFRASTREAM_GITHUB_INSTALLATION_ID): nothing was published',
    });
    const look = await runCli(['drift', repository.directory, '--no-publish'], { env: gitHub });
    expect(look.code).toBe(1);
    expect(look.stdout).toContain(
      'published: unavailable, --no-publish: nothing was sent to GitHub',
    );
    expect(fixture.github.requests).toEqual([]);
  });

  it('creates the issue and uploads the log once, then sends nothing over the same drift', async () => {
    const first = await drift(gitHub);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    expect(first.report.findings.map((finding) => finding.source)).toEqual(['codeowners']);
    expect(first.report.publication).toMatchObject({
      status: 'ok',
      detail: 'drift issues: 1 created; SARIF uploaded to refs/heads/main (sarif-1)',
    });
    expect(gitHubWrites()).toEqual([
      'POST /repos/acme/platform/issues',
      'POST /repos/acme/platform/code-scanning/sarifs',
    ]);
    const [issue] = fixture.github.issues.issues;
    expect(issue?.title).toBe('Drift: repository governance');

    const second = await drift(gitHub);
    expect(second.code).toBe(1);
    expect(second.report.sweep.written).toBe(0);
    expect(second.report.publication).toMatchObject({
      status: 'ok',
      detail: 'no drift issue changed; SARIF unchanged since the last upload',
    });
    expect(gitHubWrites()).toEqual([]);
    expect(fixture.github.issues.issues).toHaveLength(1);
    expect(fixture.github.settings.sarifs).toHaveLength(1);
  });

  it('keeps the exit code and the findings when GitHub refuses, and says what failed', async () => {
    await repository.write({ '.github/CODEOWNERS': '* @someone-else\n' });
    await repository.commit('Owned by someone else');
    fixture.github.answerInstead = (request) =>
      request.path.startsWith('/repos/')
        ? { status: 503, body: { message: 'Service unavailable' } }
        : undefined;
    const refused = await drift(gitHub);
    expect(refused.code).toBe(1);
    expect(refused.report.sweep).toMatchObject({ changed: 1, written: 1 });
    expect(refused.report.publication?.status).toBe('failed');
    expect(refused.stderr).toMatch(
      /^infrastream drift: warning: publishing to GitHub failed: issues not brought up to date: .*Service unavailable.*; SARIF not uploaded: .*Service unavailable/,
    );
    // The change was stored all the same: the next sweep finds it unchanged.
    fixture.github.answerInstead = undefined;
    const next = await drift(gitHub);
    expect(next.report.sweep).toMatchObject({ changed: 0, unchanged: 1, written: 0 });
    expect(next.report.publication).toMatchObject({
      status: 'ok',
      detail: 'drift issues: 1 edited; SARIF uploaded to refs/heads/main (sarif-2)',
    });
  });

  it('refuses, exit 2, a GitHub App configured in part or a repository it cannot name', async () => {
    const part = await drift({
      INFRASTREAM_GITHUB_APP_ID: gitHub['INFRASTREAM_GITHUB_APP_ID'] ?? '',
    });
    expect(part.code).toBe(2);
    expect(part.stderr).toContain(
      'publishing drift to GitHub needs INFRASTREAM_GITHUB_PRIVATE_KEY and INFRASTREAM_GITHUB_INSTALLATION_ID too (or --no-publish)',
    );
    const { INFRASTREAM_REPOSITORY: _, ...unnamed } = gitHub;
    const nameless = await drift(unnamed);
    expect(nameless.code).toBe(2);
    expect(nameless.stderr).toContain('publishing drift to GitHub needs the repository');
    expect(fixture.github.requests).toEqual([]);
  });
});
