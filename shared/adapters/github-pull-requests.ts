import type { Octokit } from '@octokit/rest';
import type { PullRequestReview } from '../core/governance/evaluate-consent.ts';
import type { PullRequests } from '../ports/pull-requests.ts';
import { gitHubError } from './github-error.ts';

/** What the GitHub pull-request reader needs. */
export interface GitHubPullRequestsOptions {
  /** A client authenticated as the App installation, with pull requests read permission. */
  readonly octokit: Octokit;
}

const REVIEW_STATES = new Set<PullRequestReview['state']>([
  'APPROVED',
  'CHANGES_REQUESTED',
  'COMMENTED',
  'DISMISSED',
  'PENDING',
]);

/** GitHub's largest page. */
const PAGE_SIZE = 100;

/**
 * Reads a pull request and all its reviews through GitHub's REST API ("Get a pull request",
 * "List reviews for a pull request", every page), and where its head forks from its base
 * branch as the branch now is ("Compare two commits" of the branch and the head: GitHub's
 * own `base.sha` is where the branch was when the pull request was opened). A review whose
 * author GitHub no longer knows (a deleted account, shown as ghost) or whose state this
 * reader does not know is left out: it can never be an owner's approval. Lists open pull
 * requests with "List pull requests", page by page.
 */
export function createGitHubPullRequests(options: GitHubPullRequestsOptions): PullRequests {
  const { octokit } = options;
  return {
    async read(repository, number) {
      const owner = repository.owner;
      const repo = repository.name;
      const where = `reading pull request #${number} of ${owner}/${repo}`;
      try {
        const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
        const [reviews, { data: comparison }] = await Promise.all([
          octokit.paginate(octokit.rest.pulls.listReviews, {
            owner,
            repo,
            pull_number: number,
            per_page: PAGE_SIZE,
          }),
          octokit.rest.repos.compareCommitsWithBasehead({
            owner,
            repo,
            basehead: `${data.base.ref}...${data.head.sha}`,
            per_page: 1,
          }),
        ]);
        return {
          number,
          state: data.state === 'open' ? 'open' : 'closed',
          author: data.user.login,
          head: data.head.sha,
          base: comparison.merge_base_commit.sha,
          baseTip: comparison.base_commit.sha,
          baseBranch: data.base.ref,
          reviews: reviews.flatMap((review): PullRequestReview[] => {
            const state = review.state as PullRequestReview['state'];
            const reviewer = review.user?.login;
            if (reviewer === undefined || !REVIEW_STATES.has(state)) return [];
            return [{ id: review.id, reviewer, state, commit: review.commit_id ?? '' }];
          }),
        };
      } catch (error) {
        throw gitHubError(error, where);
      }
    },

    async listOpen(repository, baseBranch, limit) {
      const owner = repository.owner;
      const repo = repository.name;
      const pulls: { number: number; head: string }[] = [];
      try {
        const pages = octokit.paginate.iterator(octokit.rest.pulls.list, {
          owner,
          repo,
          state: 'open',
          base: baseBranch,
          per_page: Math.min(PAGE_SIZE, limit + 1),
        });
        for await (const { data } of pages) {
          for (const pull of data) {
            if (pulls.length === limit) return { pulls, complete: false };
            pulls.push({ number: pull.number, head: pull.head.sha });
          }
        }
        return { pulls, complete: true };
      } catch (error) {
        throw gitHubError(
          error,
          `listing the open pull requests into ${baseBranch} of ${owner}/${repo}`,
        );
      }
    },
  };
}
