import { failure, type Reply } from './loopback-git-data.ts';

/** A review as GitHub keeps it. */
export interface StoredReview {
  readonly id: number;
  readonly login: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  readonly commitId: string;
}

/** A pull request as GitHub keeps it. */
export interface StoredPullRequest {
  readonly number: number;
  readonly author: string;
  state: 'open' | 'closed';
  head: string;
  base: string;
  /** The branch it merges into: the default branch unless a test says otherwise. */
  baseBranch: string;
  readonly reviews: StoredReview[];
}

/**
 * The pull-request endpoints the consent check reads, in memory: a pull request and its
 * reviews, paged as GitHub pages them (`per_page` up to 100, a `Link` to the next page).
 */
export class PullRequests {
  readonly pulls = new Map<number, StoredPullRequest>();
  private nextReview = 1;
  private readonly repositoryUrl: string;

  constructor(repositoryUrl: string) {
    this.repositoryUrl = repositoryUrl;
  }

  /** Opens pull request `number` by `author`, from `head` onto `base`. */
  open(number: number, author: string, head: string, base: string): StoredPullRequest {
    const pull: StoredPullRequest = {
      number,
      author,
      state: 'open',
      head,
      base,
      baseBranch: 'main',
      reviews: [],
    };
    this.pulls.set(number, pull);
    return pull;
  }

  /** A review by `login` of the pull request's current head, as GitHub records one. */
  review(number: number, login: string, state: StoredReview['state']): StoredReview {
    const pull = this.pulls.get(number);
    if (pull === undefined) throw new Error(`no pull request #${number}`);
    const review: StoredReview = { id: this.nextReview++, login, state, commitId: pull.head };
    pull.reviews.push(review);
    return review;
  }

  /** GET /repos/{owner}/{repo}/pulls/{pull_number} */
  get(number: number): Reply {
    const pull = this.pulls.get(number);
    if (pull === undefined) return failure(404, 'Not Found');
    return {
      status: 200,
      body: {
        number,
        state: pull.state,
        user: { login: pull.author, id: 1000 + number, type: 'User' },
        head: { sha: pull.head, ref: `feature-${number}` },
        base: { sha: pull.base, ref: pull.baseBranch },
      },
    };
  }

  /**
   * GET /repos/{owner}/{repo}/pulls, with `state` and `base` as filters, newest first, paged
   * as GitHub pages.
   */
  list(query: Readonly<Record<string, string>>): Reply {
    const state = query.state ?? 'open';
    const matching = [...this.pulls.values()]
      .filter((pull) => state === 'all' || pull.state === state)
      .filter((pull) => query.base === undefined || pull.baseBranch === query.base)
      .sort((a, b) => b.number - a.number);
    const perPage = Math.min(Number(query.per_page ?? 30), 100);
    const page = Number(query.page ?? 1);
    const more = page * perPage < matching.length;
    const filters = `state=${state}${query.base === undefined ? '' : `&base=${query.base}`}`;
    return {
      status: 200,
      headers: more
        ? {
            link: `<${this.repositoryUrl}/pulls?${filters}&per_page=${perPage}&page=${page + 1}>; rel="next"`,
          }
        : {},
      body: matching
        .slice((page - 1) * perPage, page * perPage)
        .map((pull) => this.get(pull.number).body),
    };
  }

  /** GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews */
  reviews(number: number, query: Readonly<Record<string, string>>): Reply {
    const pull = this.pulls.get(number);
    if (pull === undefined) return failure(404, 'Not Found');
    const perPage = Math.min(Number(query.per_page ?? 30), 100);
    const page = Number(query.page ?? 1);
    const slice = pull.reviews.slice((page - 1) * perPage, page * perPage);
    const more = page * perPage < pull.reviews.length;
    return {
      status: 200,
      headers: more
        ? {
            link: `<${this.repositoryUrl}/pulls/${number}/reviews?per_page=${perPage}&page=${page + 1}>; rel="next"`,
          }
        : {},
      body: slice.map((review) => ({
        id: review.id,
        user: { login: review.login, id: 2000 + review.id, type: 'User' },
        state: review.state,
        commit_id: review.commitId,
        body: '',
      })),
    };
  }
}
