import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubPullRequests } from '../../shared/adapters/github-pull-requests.ts';
import { PortError } from '../../shared/ports/port-error.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';

let fixture: GitHubFixture;
let head: string;
beforeEach(async () => {
  fixture = await createGitHubFixture();
  await fixture.repo.write({ 'organization.yaml': 'kind: Organization\n' });
  head = await fixture.repo.commit('manifests');
});
afterEach(async () => {
  await fixture.dispose();
});

describe('the GitHub pull-request reader', () => {
  it('reads the author, head, base and every page of reviews, oldest first', async () => {
    fixture.github.pullRequests.open(3, 'octocat', head, '1'.repeat(40));
    for (let index = 0; index < 101; index++)
      fixture.github.pullRequests.review(3, `reviewer-${index}`, 'COMMENTED');
    fixture.github.pullRequests.review(3, 'Hubot', 'APPROVED');
    const pull = await createGitHubPullRequests({ octokit: fixture.octokit }).read(
      fixture.repository,
      3,
    );
    expect(pull).toMatchObject({ number: 3, state: 'open', author: 'octocat', head });
    expect(pull.base).toBe('1'.repeat(40));
    expect(pull.reviews).toHaveLength(102);
    expect(pull.reviews.at(-1)).toEqual({
      id: 102,
      reviewer: 'Hubot',
      state: 'APPROVED',
      commit: head,
    });
    expect(fixture.requestsTo('GET', /\/pulls\/3\/reviews$/)).toHaveLength(2);
  });

  it('fails for good on a pull request GitHub does not have', async () => {
    const reading = createGitHubPullRequests({ octokit: fixture.octokit }).read(
      fixture.repository,
      404,
    );
    await expect(reading).rejects.toBeInstanceOf(PortError);
    await expect(reading).rejects.toMatchObject({ kind: 'permanent' });
  });
});
