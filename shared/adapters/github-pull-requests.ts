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

/**
 * Reads a pull request and all its reviews through GitHub's REST API ("Get a pull request",
 * "List reviews for a pull request", every page). A review whose author GitHub no longer
 * knows (a deleted account, shown as ghost) or whose state this reader does not know is left
 * out: it can never be an owner's approval.
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
        const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
          owner,
          repo,
          pull_number: number,
          per_page: 100,
        });
        return {
          number,
          state: data.state === 'open' ? 'open' : 'closed',
          author: data.user.login,
          head: data.head.sha,
          base: data.base.sha,
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
  };
}
