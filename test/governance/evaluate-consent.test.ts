import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { buildPlan } from '../../shared/core/governance/build-plan.ts';
import { consentApprovers } from '../../shared/core/governance/consent-approvers.ts';
import type { DesiredState } from '../../shared/core/governance/desired-state.ts';
import {
  evaluateConsent,
  type PullRequestReview,
} from '../../shared/core/governance/evaluate-consent.ts';
import type { RepositoryFile } from '../../shared/core/validate/validate-repository.ts';
import { consentOrganization } from '../support/consent-organization.ts';

const HEAD = 'b'.repeat(40);
const EARLIER = 'a'.repeat(40);

function analyze(files: readonly RepositoryFile[]): DesiredState {
  const analysis = analyzeRepository(files);
  expect(analysis.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
  return analysis.state;
}

const base = analyze(consentOrganization('staging'));
/** Moving the secret to production needs the consent of production's owners. */
const moved = buildPlan(
  { label: 'base', state: base },
  { label: 'head', state: analyze(consentOrganization('production')) },
).consent;
const approvers = consentApprovers(base);

const review = (
  id: number,
  reviewer: string,
  state: PullRequestReview['state'],
  commit = HEAD,
): PullRequestReview => ({ id, reviewer, state, commit });

describe('evaluateConsent', () => {
  it('needs the owners of production for the move the cases evaluate', () => {
    expect(moved.map((request) => [request.target, request.owners])).toEqual([
      [
        'payments/production/shop/project.yaml',
        ['@acme-corp/platform', '@acme-corp/production-team'],
      ],
    ]);
  });

  const cases: readonly {
    readonly name: string;
    readonly author?: string;
    readonly needsConsent?: boolean;
    readonly reviews: readonly PullRequestReview[];
    readonly conclusion: 'success' | 'action_required';
    readonly title: string;
  }[] = [
    {
      name: 'a change that needs no consent',
      needsConsent: false,
      reviews: [],
      conclusion: 'success',
      title: 'No consent needed',
    },
    {
      name: 'no review yet',
      reviews: [],
      conclusion: 'action_required',
      title: 'Waiting for consent on 1 of 1 scope',
    },
    {
      name: 'approved by a member of an owning team (login in other case)',
      reviews: [review(1, 'bob-gh', 'APPROVED')],
      conclusion: 'success',
      title: 'Consent given by @bob-gh',
    },
    {
      name: 'approved by a member of a team nested in an owning team',
      reviews: [review(1, 'erin-gh', 'APPROVED')],
      conclusion: 'success',
      title: 'Consent given by @erin-gh',
    },
    {
      name: 'approved by someone who owns other scopes only',
      reviews: [review(1, 'carol-gh', 'APPROVED')],
      conclusion: 'action_required',
      title: 'Waiting for consent on 1 of 1 scope',
    },
    {
      name: 'approved by a login no manifest names',
      reviews: [review(1, 'mallory', 'APPROVED')],
      conclusion: 'action_required',
      title: 'Waiting for consent on 1 of 1 scope',
    },
    {
      name: 'approved by the author, an owner of the scope',
      author: 'bob-gh',
      reviews: [review(1, 'bob-gh', 'APPROVED')],
      conclusion: 'action_required',
      title: 'Waiting for consent on 1 of 1 scope',
    },
    {
      name: 'approval dismissed',
      reviews: [review(1, 'bob-gh', 'DISMISSED')],
      conclusion: 'action_required',
      title: 'Waiting for consent on 1 of 1 scope',
    },
    {
      name: 'changes requested after the approval',
      reviews: [review(2, 'bob-gh', 'CHANGES_REQUESTED'), review(1, 'bob-gh', 'APPROVED')],
      conclusion: 'action_required',
      title: 'Waiting for consent on 1 of 1 scope',
    },
    {
      name: 'a comment after the approval',
      reviews: [review(1, 'bob-gh', 'APPROVED'), review(2, 'bob-gh', 'COMMENTED')],
      conclusion: 'success',
      title: 'Consent given by @bob-gh',
    },
    {
      name: 'approved on an earlier head',
      reviews: [review(1, 'bob-gh', 'APPROVED', EARLIER)],
      conclusion: 'action_required',
      title: 'Waiting for consent on 1 of 1 scope',
    },
  ];

  it.each(cases)('$name: $conclusion', (row) => {
    const verdict = evaluateConsent(
      row.needsConsent === false ? [] : moved,
      { author: row.author ?? 'dave-gh', head: HEAD, reviews: row.reviews },
      approvers,
    );
    expect({ conclusion: verdict.conclusion, title: verdict.title }).toEqual({
      conclusion: row.conclusion,
      title: row.title,
    });
  });

  it('lists each waiting scope with who may approve, the author left out', () => {
    const verdict = evaluateConsent(
      moved,
      { author: 'bob-gh', head: HEAD, reviews: [] },
      approvers,
    );
    expect(verdict.summary).toContain(
      '- `payments/production/shop/project.yaml`: waiting for one of @alice-acme, @erin-gh (@acme-corp/platform @acme-corp/production-team)',
    );
    expect(verdict.summary).toContain('moves Secret extra from environment staging to production');
  });

  it('resolves members by login, email and team, and nobody for what the manifests do not name', () => {
    expect([...approvers('@acme-corp/production-team')].sort()).toEqual(['bob-gh', 'erin-gh']);
    expect([...approvers('@BOB-gh')]).toEqual(['bob-gh']);
    expect([...approvers('carol@acme.example.com')]).toEqual(['carol-gh']);
    expect([...approvers('@other-org/production-team')]).toEqual([]);
    expect([...approvers('@acme-corp/no-such-team')]).toEqual([]);
    expect([...approvers('@mallory')]).toEqual([]);
  });
});
