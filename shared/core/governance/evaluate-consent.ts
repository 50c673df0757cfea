import { compareStrings } from '../issues/issue.ts';
import type { ConsentApprovers } from './consent-approvers.ts';
import type { ConsentRequest } from './consent.ts';

/** A review as GitHub lists it for a pull request. */
export interface PullRequestReview {
  /** GitHub's id: later reviews have larger ones. */
  readonly id: number;
  readonly reviewer: string;
  /** GitHub's state; a dismissed approval is `DISMISSED`. */
  readonly state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  /** The head commit the review was made on. */
  readonly commit: string;
}

/** A pull request as consent reads it. */
export interface ReviewedPullRequest {
  readonly author: string;
  /** The head commit the check is for. */
  readonly head: string;
  readonly reviews: readonly PullRequestReview[];
}

/** Owners whose consent one target needs, and what asks for it. */
export interface ConsentScope {
  /** The file that declares the target, or the scope entered or left. */
  readonly target: string;
  readonly owners: readonly string[];
  readonly requests: readonly ConsentRequest[];
  /** Who approved for it; empty while it waits. */
  readonly approvedBy: readonly string[];
  /** Who may approve for it: the owners' logins, the author left out. */
  readonly approvers: readonly string[];
}

/** The consent check's outcome for one head commit. */
export interface ConsentVerdict {
  readonly conclusion: 'success' | 'action_required';
  /** One line. */
  readonly title: string;
  /** Markdown. */
  readonly summary: string;
  readonly scopes: readonly ConsentScope[];
}

/**
 * Decides whether the owners of every scope a pull request reaches into have consented.
 * A scope is consented to when one of its owners' members approved the current head: each
 * reviewer's latest approval, change request or dismissal counts (a comment changes
 * nothing, as on GitHub), and an approval of an earlier head does not, since a push after
 * it may have added edges nobody saw. The author never consents, whatever teams they are
 * in: that is the separation of duties the requests exist for.
 */
export function evaluateConsent(
  requests: readonly ConsentRequest[],
  pullRequest: ReviewedPullRequest,
  approversOf: ConsentApprovers,
): ConsentVerdict {
  if (requests.length === 0) {
    return {
      conclusion: 'success',
      title: 'No consent needed',
      summary:
        'The change adds no access to, and moves nothing out of or into, a scope other people own.',
      scopes: [],
    };
  }
  const author = pullRequest.author.toLowerCase();
  const approvedHead = currentApprovals(pullRequest);
  const byTarget = new Map<string, ConsentRequest[]>();
  for (const request of requests) {
    const key = `${request.target}\n${request.owners.join(' ')}`;
    const same = byTarget.get(key);
    if (same === undefined) byTarget.set(key, [request]);
    else same.push(request);
  }
  const scopes = [...byTarget.values()].map((scoped): ConsentScope => {
    const { target, owners } = scoped[0] as ConsentRequest;
    const approvers = new Set(owners.flatMap((owner) => [...approversOf(owner)]));
    approvers.delete(author);
    return {
      target,
      owners,
      requests: scoped,
      approvedBy: [...approvers].filter((login) => approvedHead.has(login)).sort(compareStrings),
      approvers: [...approvers].sort(compareStrings),
    };
  });
  scopes.sort((a, b) => compareStrings(a.target, b.target));
  const waiting = scopes.filter((scope) => scope.approvedBy.length === 0);
  if (waiting.length === 0) {
    const who = [...new Set(scopes.flatMap((scope) => scope.approvedBy))].sort(compareStrings);
    return {
      conclusion: 'success',
      title: `Consent given by ${who.map((login) => `@${login}`).join(', ')}`,
      summary: scopes.map(describeScope).join('\n'),
      scopes,
    };
  }
  return {
    conclusion: 'action_required',
    title: `Waiting for consent on ${waiting.length} of ${scopes.length} ${scopes.length === 1 ? 'scope' : 'scopes'}`,
    summary: [
      `An approval of this head commit by one of each waiting scope's owners gives consent; the author's own approval does not count.`,
      '',
      ...scopes.map(describeScope),
    ].join('\n'),
    scopes,
  };
}

/** Lowercase logins whose latest decisive review approves the head commit. */
function currentApprovals(pullRequest: ReviewedPullRequest): ReadonlySet<string> {
  const latest = new Map<string, PullRequestReview>();
  for (const review of [...pullRequest.reviews].sort((a, b) => a.id - b.id)) {
    if (review.state === 'COMMENTED' || review.state === 'PENDING') continue;
    latest.set(review.reviewer.toLowerCase(), review);
  }
  const approved = new Set<string>();
  for (const [login, review] of latest)
    if (review.state === 'APPROVED' && review.commit === pullRequest.head) approved.add(login);
  return approved;
}

function describeScope(scope: ConsentScope): string {
  const status =
    scope.approvedBy.length > 0
      ? `consented by ${scope.approvedBy.map((login) => `@${login}`).join(', ')}`
      : scope.approvers.length === 0
        ? `waiting: none of ${scope.owners.join(' ')} resolves to a GitHub login in the manifests other than the author's`
        : `waiting for one of ${scope.approvers.map((login) => `@${login}`).join(', ')} (${scope.owners.join(' ')})`;
  return [
    `- \`${scope.target}\`: ${status}`,
    ...scope.requests.map(
      (request) => `  - \`${request.edge}\` from \`${request.requestedBy}\`: ${request.reason}`,
    ),
  ].join('\n');
}
