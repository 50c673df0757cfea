import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PIPELINE_CHECKS,
  readBranchProtectionDrift,
} from '../../shared/adapters/github-branch-protection-source.ts';
import type { DriftObservation } from '../../shared/core/drift/drift-finding.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';
import type { ClassicProtection } from '../support/loopback-repository-settings.ts';

let fixture: GitHubFixture;
beforeAll(async () => {
  fixture = await createGitHubFixture();
});
afterAll(async () => {
  await fixture.dispose();
});
beforeEach(() => {
  fixture.github.settings.protection.clear();
  fixture.github.settings.rules.clear();
  fixture.github.settings.defaultBranch = 'main';
  fixture.github.answerInstead = undefined;
});

/** Classic protection that holds everything governance needs. */
const complete: ClassicProtection = {
  required_status_checks: {
    strict: true,
    contexts: ['infrastream/validate'],
    checks: [
      { context: 'infrastream/plan', app_id: 4242 },
      { context: 'infrastream/consent', app_id: 4242 },
    ],
  },
  enforce_admins: { enabled: true },
  required_pull_request_reviews: {
    require_code_owner_reviews: true,
    required_approving_review_count: 1,
  },
  allow_force_pushes: { enabled: false },
  allow_deletions: { enabled: false },
};

async function observations(): Promise<DriftObservation[]> {
  const result = await readBranchProtectionDrift({
    octokit: fixture.octokit,
    repository: fixture.repository,
  });
  expect(result.status, result.detail).toBe('ok');
  return result.observations;
}

const attributes = (found: readonly DriftObservation[]) =>
  found.map((observation) => [observation.attribute, observation.severity]);

describe('readBranchProtectionDrift', () => {
  it('finds nothing on a default branch protected as governance needs', async () => {
    fixture.github.settings.protection.set('main', complete);
    expect(await observations()).toEqual([]);
    expect(PIPELINE_CHECKS).toEqual([
      'infrastream/validate',
      'infrastream/plan',
      'infrastream/consent',
    ]);
  });

  it('reports an unprotected default branch once, critical, read from the repository', async () => {
    fixture.github.settings.defaultBranch = 'trunk';
    fixture.github.settings.protection.set('main', complete);
    const found = await observations();
    expect(found).toEqual([
      {
        source: 'github',
        attribute: 'branches/trunk/protection',
        severity: 'critical',
        summary: expect.stringContaining('Branch trunk is not protected') as string,
        before: 'protected',
        after: null,
      },
    ]);
  });

  it('reports each protection the branch lacks, with its severity', async () => {
    fixture.github.settings.protection.set('main', {
      required_status_checks: {
        strict: false,
        contexts: ['infrastream/plan', 'infrastream/consent'],
        checks: [],
      },
      enforce_admins: { enabled: false },
      required_pull_request_reviews: {
        require_code_owner_reviews: false,
        required_approving_review_count: 1,
      },
      allow_force_pushes: { enabled: true },
      allow_deletions: { enabled: true },
    });
    expect(attributes(await observations())).toEqual([
      ['branches/main/require_code_owner_reviews', 'critical'],
      ['branches/main/allow_force_pushes', 'critical'],
      ['branches/main/allow_deletions', 'critical'],
      ['branches/main/enforce_admins', 'high'],
      ['branches/main/required_status_checks/infrastream/validate', 'high'],
    ]);
  });

  it('reports a protection without pull request reviews as not requiring code owners', async () => {
    const { required_pull_request_reviews: _reviews, ...withoutReviews } = complete;
    fixture.github.settings.protection.set('main', withoutReviews);
    expect(attributes(await observations())).toEqual([
      ['branches/main/require_code_owner_reviews', 'critical'],
    ]);
  });

  it('counts a branch protected by rulesets only as protected', async () => {
    fixture.github.settings.rules.set('main', [
      { type: 'deletion' },
      { type: 'non_fast_forward' },
      {
        type: 'pull_request',
        parameters: { require_code_owner_review: true, required_approving_review_count: 1 },
      },
      {
        type: 'required_status_checks',
        parameters: {
          strict_required_status_checks_policy: true,
          required_status_checks: [
            { context: 'infrastream/validate', integration_id: 4242 },
            { context: 'infrastream/plan' },
            { context: 'infrastream/consent' },
          ],
        },
      },
    ]);
    expect(await observations()).toEqual([]);
  });

  it('merges rulesets and classic protection, and reports what neither holds', async () => {
    fixture.github.settings.protection.set('main', {
      ...complete,
      required_status_checks: { strict: true, contexts: [], checks: [] },
      allow_deletions: { enabled: true },
    });
    fixture.github.settings.rules.set('main', [
      {
        type: 'required_status_checks',
        parameters: { required_status_checks: [{ context: 'infrastream/plan' }] },
      },
    ]);
    expect(attributes(await observations())).toEqual([
      ['branches/main/allow_deletions', 'critical'],
      ['branches/main/required_status_checks/infrastream/validate', 'high'],
      ['branches/main/required_status_checks/infrastream/consent', 'high'],
    ]);
  });

  it('reads every page of a branch with many ruleset rules', async () => {
    fixture.github.settings.rules.set('main', [
      ...Array.from({ length: 120 }, () => ({ type: 'creation' })),
      { type: 'pull_request', parameters: { require_code_owner_review: true } },
      { type: 'non_fast_forward' },
      { type: 'deletion' },
      {
        type: 'required_status_checks',
        parameters: {
          required_status_checks: PIPELINE_CHECKS.map((context) => ({ context })),
        },
      },
    ]);
    expect(await observations()).toEqual([]);
    expect(fixture.requestsTo('GET', /\/rules\/branches\/main$/).at(-1)?.query.page).toBe('2');
  });

  it('fails, saying why, when GitHub refuses to show the protection', async () => {
    fixture.github.answerInstead = (request) =>
      request.path.endsWith('/protection')
        ? {
            status: 403,
            body: { message: 'Resource not accessible by integration' },
          }
        : undefined;
    const result = await readBranchProtectionDrift({
      octokit: fixture.octokit,
      repository: fixture.repository,
      branch: 'main',
    });
    expect(result).toEqual({
      status: 'failed',
      detail: expect.stringContaining('Resource not accessible by integration') as string,
      observations: [],
    });
  });
});
