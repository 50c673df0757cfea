import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubCommitReporter } from '../../shared/adapters/github-commit-reporter.ts';
import type { Annotation, CommitReport } from '../../shared/ports/commit-reporter.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';

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

function annotations(count: number): Annotation[] {
  return Array.from({ length: count }, (_, index) => ({
    path: `units/unit-${index}.yaml`,
    line: index + 1,
    ...(index % 2 === 0 ? { column: 3 } : {}),
    level: index % 3 === 0 ? ('failure' as const) : ('warning' as const),
    title: `schema/rule-${index}`,
    message: `problem ${index}`,
  }));
}

function report(overrides: Partial<CommitReport> = {}): CommitReport {
  return {
    name: 'infrastream/validate',
    conclusion: 'failure',
    title: '2 errors in 2 files',
    summary: '## Issues\n\n- two problems\n',
    annotations: annotations(2),
    ...overrides,
  };
}

const checkRunRequests = () => [
  ...fixture.requestsTo('POST', /\/check-runs$/),
  ...fixture.requestsTo('PATCH', /\/check-runs\/\d+$/),
];
const lonelySurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('the GitHub commit reporter, through Octokit against loopback GitHub', () => {
  it('creates a completed check run with GitHub annotations', async () => {
    const reporter = createGitHubCommitReporter({
      octokit: fixture.octokit,
      appId: fixture.github.appId,
    });

    await reporter.report(fixture.repository, commit, report());

    const [run, ...others] = fixture.github.checkRuns.runs;
    expect(others).toHaveLength(0);
    expect(run).toMatchObject({
      head_sha: commit,
      name: 'infrastream/validate',
      status: 'completed',
      conclusion: 'failure',
      title: '2 errors in 2 files',
      summary: '## Issues\n\n- two problems\n',
    });
    expect(run?.annotations).toEqual([
      {
        path: 'units/unit-0.yaml',
        start_line: 1,
        end_line: 1,
        start_column: 3,
        end_column: 3,
        annotation_level: 'failure',
        title: 'schema/rule-0',
        message: 'problem 0',
      },
      {
        path: 'units/unit-1.yaml',
        start_line: 2,
        end_line: 2,
        annotation_level: 'warning',
        title: 'schema/rule-1',
        message: 'problem 1',
      },
    ]);
    expect(fixture.requestsTo('GET', /\/commits\/[0-9a-f]+\/check-runs$/)[0]?.query).toMatchObject({
      check_name: 'infrastream/validate',
      app_id: String(fixture.github.appId),
    });
  });

  it('updates the check run of an earlier report instead of adding a second one', async () => {
    const reporter = createGitHubCommitReporter({
      octokit: fixture.octokit,
      appId: fixture.github.appId,
    });

    await reporter.report(
      fixture.repository,
      commit,
      report({ conclusion: 'success', annotations: [] }),
    );
    await reporter.report(fixture.repository, commit, report());

    expect(fixture.github.checkRuns.runs).toHaveLength(1);
    expect(fixture.github.checkRuns.runs[0]).toMatchObject({ conclusion: 'failure' });
    expect(fixture.github.checkRuns.runs[0]?.annotations).toHaveLength(2);
    expect(fixture.requestsTo('POST', /\/check-runs$/)).toHaveLength(1);
    expect(fixture.requestsTo('PATCH', /\/check-runs\/1$/)).toHaveLength(1);
  });

  it('sends nothing again for a redelivered report, so GitHub does not duplicate its annotations', async () => {
    const reporter = createGitHubCommitReporter({
      octokit: fixture.octokit,
      appId: fixture.github.appId,
    });

    await reporter.report(fixture.repository, commit, report());
    await reporter.report(fixture.repository, commit, report());

    expect(fixture.github.checkRuns.runs).toHaveLength(1);
    expect(fixture.github.checkRuns.runs[0]?.annotations).toHaveLength(2);
    expect(checkRunRequests()).toHaveLength(1);
  });

  it('gives a different report a new check run when the old one already carries annotations', async () => {
    const reporter = createGitHubCommitReporter({
      octokit: fixture.octokit,
      appId: fixture.github.appId,
    });

    await reporter.report(fixture.repository, commit, report());
    await reporter.report(fixture.repository, commit, report({ annotations: annotations(1) }));
    await reporter.report(fixture.repository, commit, report({ annotations: annotations(1) }));

    const runs = fixture.github.checkRuns.runs;
    expect(runs).toHaveLength(2);
    expect(runs.map((run) => run.annotations.length)).toEqual([2, 1]);
  });

  it('sends 120 annotations in requests of at most 50, and GitHub keeps all 120 in order', async () => {
    const reporter = createGitHubCommitReporter({
      octokit: fixture.octokit,
      appId: fixture.github.appId,
    });
    const many = annotations(120);

    await reporter.report(fixture.repository, commit, report({ annotations: many }));

    const sent = checkRunRequests().map(
      (request) =>
        request.body as { output: { title: string; summary: string; annotations: unknown[] } },
    );
    expect(sent.map((body) => body.output.annotations.length)).toEqual([50, 50, 20]);
    for (const body of sent) {
      expect(body.output).toMatchObject({
        title: '2 errors in 2 files',
        summary: '## Issues\n\n- two problems\n',
      });
    }
    const stored = fixture.github.checkRuns.runs[0]?.annotations ?? [];
    expect(stored.map((annotation) => annotation.message)).toEqual(
      many.map((annotation) => annotation.message),
    );
  });

  it('completes an interrupted report with only the annotations GitHub does not have', async () => {
    const reporter = createGitHubCommitReporter({
      octokit: fixture.octokit,
      appId: fixture.github.appId,
    });
    const many = annotations(120);
    let patches = 0;
    fixture.github.beforeAnswer = (incoming) => {
      if (incoming.method === 'PATCH' && (patches += 1) === 2) {
        return Promise.reject(new Error('GitHub is having a bad day'));
      }
      return Promise.resolve();
    };

    await expect(
      reporter.report(fixture.repository, commit, report({ annotations: many })),
    ).rejects.toThrow(/adding annotations 101–120 of 120: GitHub answered 500/);
    expect(fixture.github.checkRuns.runs[0]?.annotations).toHaveLength(100);
    await reporter.report(fixture.repository, commit, report({ annotations: many }));

    expect(fixture.github.checkRuns.runs).toHaveLength(1);
    const stored = fixture.github.checkRuns.runs[0]?.annotations ?? [];
    expect(stored.map((annotation) => annotation.message)).toEqual(
      many.map((annotation) => annotation.message),
    );
  });

  it('shortens a summary to GitHub limit with a note, without splitting a surrogate pair', async () => {
    const reporter = createGitHubCommitReporter({
      octokit: fixture.octokit,
      appId: fixture.github.appId,
    });
    // One long line of emoji: every cut falls next to a surrogate pair.
    const summary = '🚀'.repeat(40_000);

    await reporter.report(
      fixture.repository,
      commit,
      report({ summary, title: `${'t'.repeat(253)}🚀🚀 and more` }),
    );

    const run = fixture.github.checkRuns.runs[0];
    expect(run?.summary?.length).toBeLessThanOrEqual(65_535);
    expect(run?.summary?.length).toBeGreaterThan(65_000);
    expect(run?.summary).toMatch(
      /… shortened: 80000 characters do not fit GitHub's limit of 65535$/,
    );
    expect(run?.summary).not.toMatch(lonelySurrogate);
    expect(run?.title?.length).toBeLessThanOrEqual(255);
    expect(run?.title).not.toMatch(lonelySurrogate);
    expect(run?.title?.endsWith('…')).toBe(true);
  });

  it('refuses an annotation without a line before asking GitHub', async () => {
    const reporter = createGitHubCommitReporter({
      octokit: fixture.octokit,
      appId: fixture.github.appId,
    });
    const bad: Annotation = { path: 'a.yaml', line: 0, level: 'failure', title: 'x', message: 'y' };

    await expect(
      reporter.report(fixture.repository, commit, report({ annotations: [bad] })),
    ).rejects.toThrow('annotations[0]: expected a line ≥ 1, found 0');
    expect(fixture.github.requests).toHaveLength(0);
  });
});

describe('loopback GitHub check runs', () => {
  it('refuses what GitHub refuses: over 50 annotations in a request, a summary over 65,535', async () => {
    const create = (summary: string, count: number) =>
      fixture.octokit.rest.checks.create({
        owner: 'acme',
        repo: 'platform',
        name: 'infrastream/validate',
        head_sha: commit,
        status: 'completed',
        conclusion: 'failure',
        output: {
          title: 'title',
          summary,
          annotations: Array.from({ length: count }, (_, index) => ({
            path: 'a.yaml',
            start_line: index + 1,
            end_line: index + 1,
            annotation_level: 'failure' as const,
            message: 'm',
          })),
        },
      });

    await expect(create('ok', 51)).rejects.toMatchObject({ status: 422 });
    await expect(create('x'.repeat(65_536), 1)).rejects.toMatchObject({ status: 422 });
    expect((await create('x'.repeat(65_535), 50)).status).toBe(201);
    expect(fixture.github.checkRuns.runs).toHaveLength(1);
  });
});
