import type { PullRequestReview } from '../core/governance/evaluate-consent.ts';
import type { RepositoryRef } from './repository-source.ts';

/**
 * Reads pull requests as they are now: GitHub's REST API in production. The consent check
 * reads the head, base and reviews from here rather than from a webhook's payload, so a late
 * or redelivered event is evaluated against the pull request's current head.
 */
export interface PullRequests {
  /** The pull request `number` of `repository`, with every review it has. */
  read(repository: RepositoryRef, number: number): Promise<PullRequestState>;
}

/** One pull request, as the consent check reads it. */
export interface PullRequestState {
  readonly number: number;
  /** `open` or `closed` (a merged pull request is closed). */
  readonly state: 'open' | 'closed';
  /** The author's GitHub login. */
  readonly author: string;
  /** The head commit. */
  readonly head: string;
  /** The base branch's commit GitHub compares the head with. */
  readonly base: string;
  /** The branch the pull request would merge into, such as `main`. */
  readonly baseBranch: string;
  /** Every review, in GitHub's order (oldest first). */
  readonly reviews: readonly PullRequestReview[];
}
