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
  /**
   * The open pull requests into `baseBranch`, reading page after page up to `limit` of them;
   * `complete` is false when there were more.
   */
  listOpen(repository: RepositoryRef, baseBranch: string, limit: number): Promise<OpenPullRequests>;
}

/** Some of a repository's open pull requests into one branch. */
export interface OpenPullRequests {
  readonly pulls: readonly { readonly number: number; readonly head: string }[];
  /** Whether these are all of them. */
  readonly complete: boolean;
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
  /**
   * Where the head forks from the base branch as it now is (their merge base): what the pull
   * request changes is from there. Not GitHub's `base.sha`, which stays where the base branch
   * was when the pull request was opened.
   */
  readonly base: string;
  /** The base branch's commit now: its people and groups say who may approve. */
  readonly baseTip: string;
  /** The branch the pull request would merge into, such as `main`. */
  readonly baseBranch: string;
  /** Every review, in GitHub's order (oldest first). */
  readonly reviews: readonly PullRequestReview[];
}
