import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubPullRequests } from '../../shared/adapters/github-pull-requests.ts';
import { PortError } from '../../shared/ports/port-error.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';

let fixture: GitHubFixture;
let fork: string;
let head: string;
let tip: string;
beforeEach(async () => {
  fixture = await createGitHubFixture();
  await fixture.repo.write({ 'organization.yaml': 'kind: Organization\n' });
  fork = await fixture.repo.commit('manifests');
  await fixture.repo.git('checkout', '--quiet', '-b', 'feature');
  await fixture.repo.write({ 'folder.yaml': 'kind: Folder\n' });
  head = await fixture.repo.commit('a change');
  // The default branch moves on after the pull request was opened.
  await fixture.repo.git('checkout', '--quiet', 'main');
  await fixture.repo.write({ 'README.md': 'later\n' });
  tip = await fixture.repo.commit('a later change of main');
});
afterEach(async () => {
  await fixture.dispose();
});

describe('the GitHub pull-request reader', () => {
  it('reads the author, head, where it forks from the branch as it now is, and every page of reviews, oldest first', async () => {
    // GitHub's base.sha stays where the branch was when the pull request was opened.
    fixture.github.pullRequests.open(3, 'octocat', head, '1'.repeat(40));
    for (let index = 0; index < 101; index++)
      fixture.github.pullRequests.review(3, `reviewer-${index}`, 'COMMENTED');
    fixture.github.pullRequests.review(3, 'Hubot', 'APPROVED');
    const pull = await createGitHubPullRequests({ octokit: fixture.octokit }).read(
      fixture.repository,
      3,
    );
    expect(pull).toMatchObject({ number: 3, state: 'open', author: 'octocat', head });
    expect(pull).toMatchObject({ base: fork, baseTip: tip, baseBranch: 'main' });
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
