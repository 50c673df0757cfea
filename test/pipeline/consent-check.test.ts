import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookReceiver } from '../../functions/webhook-receiver.ts';
import { createGitHubCommitReporter } from '../../shared/adapters/github-commit-reporter.ts';
import { createGitHubPullRequests } from '../../shared/adapters/github-pull-requests.ts';
import { createGitHubRepositorySource } from '../../shared/adapters/github-repository-source.ts';
import { MemoryDeliveryStore } from '../../shared/adapters/memory-delivery-store.ts';
import { MemoryPublisher } from '../../shared/adapters/memory-publisher.ts';
import { PULL_REQUESTS_TOPIC } from '../../shared/core/contracts/pull-request-message.ts';
import { CONSENT_CHECK, createConsentStage } from '../../shared/pipeline/consent-stage.ts';
import { RevisionLoader } from '../../shared/pipeline/revision-loader.ts';
import type { Stage } from '../../shared/pipeline/stage.ts';
import { consentOrganization } from '../support/consent-organization.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';
import type { StoredCheckRun } from '../support/loopback-check-runs.ts';

const SECRET = 'webhook-secret';
const GOVERNED = { owner: 'acme', name: 'platform', id: 42 };
const PULL = 7;
/** A production-team member who moves a staging secret to production. */
const AUTHOR = 'bob-gh';

/**
 * The consent check end to end: signed deliveries through the webhook receiver, the
 * `pull-requests` message it publishes handed to the consent stage, which reads the pull
 * request, its reviews and both revisions from the loopback GitHub through the real Octokit
 * client, and reports the check run there.
 */
describe('the infrastream/consent check', () => {
  let fixture: GitHubFixture;
  let publisher: MemoryPublisher;
  let receive: ReturnType<typeof createWebhookReceiver>;
  let stage: Stage;
  let head: string;

  beforeEach(async () => {
    fixture = await createGitHubFixture();
    const write = async (files: ReturnType<typeof consentOrganization>) => {
      await fixture.repo.write(Object.fromEntries(files.map((file) => [file.path, file.bytes])));
      return fixture.repo.commit('change');
    };
    const base = await write(consentOrganization('staging'));
    head = await write(consentOrganization('production'));
    fixture.github.pullRequests.open(PULL, AUTHOR, head, base);
    publisher = new MemoryPublisher();
    receive = createWebhookReceiver({
      secrets: [SECRET],
      repository: GOVERNED,
      deliveries: new MemoryDeliveryStore(),
      publisher,
      maxBodyBytes: 1024 * 1024,
      pullRequests: true,
    });
    const { octokit } = fixture;
    stage = createConsentStage({
      repository: GOVERNED,
      revisions: new RevisionLoader(createGitHubRepositorySource({ octokit }), { log: () => {} }),
      reporter: createGitHubCommitReporter({ octokit, appId: fixture.github.appId }),
      pullRequests: createGitHubPullRequests({ octokit }),
    });
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  /** Delivers an event and runs the stage on every message it published. */
  async function deliver(event: string, payload: Record<string, unknown>, delivery = randomUUID()) {
    const body = JSON.stringify({
      pull_request: { number: PULL },
      repository: {
        id: GOVERNED.id,
        name: GOVERNED.name,
        default_branch: 'main',
        owner: { login: GOVERNED.owner },
      },
      ...payload,
    });
    const before = publisher.messages(PULL_REQUESTS_TOPIC).length;
    const reply = await receive({
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': delivery,
        'x-hub-signature-256': await sign(SECRET, body),
      },
      rawBody: Buffer.from(body),
    });
    const outcomes = [];
    for (const message of publisher.messages(PULL_REQUESTS_TOPIC).slice(before))
      outcomes.push(await stage(message));
    return { reply, outcomes, delivery };
  }

  const consentRuns = (): StoredCheckRun[] =>
    fixture.github.checkRuns.runs.filter((run) => run.name === CONSENT_CHECK);

  it('is action_required on an opened pull request, listing the scope and who may approve', async () => {
    const { reply, outcomes } = await deliver('pull_request', { action: 'opened' });
    expect(reply).toEqual({ status: 202, body: { accepted: true, action: 'consent' } });
    expect(outcomes).toMatchObject([{ status: 'done' }]);
    const [run, ...others] = consentRuns();
    expect(others).toEqual([]);
    expect(run).toMatchObject({
      head_sha: head,
      status: 'completed',
      conclusion: 'action_required',
      title: 'Waiting for consent on 1 of 1 scope',
    });
    // The author is in the production team, and is not among those who may approve.
    expect(run?.summary).toContain(
      '`payments/production/shop/project.yaml`: waiting for one of @alice-acme, @erin-gh',
    );
  });

  it('is granted by an approval from a member of the right team, and by no one else', async () => {
    await deliver('pull_request', { action: 'opened' });

    fixture.github.pullRequests.review(PULL, 'carol-gh', 'APPROVED');
    await deliver('pull_request_review', { action: 'submitted' });
    expect(consentRuns()).toMatchObject([{ conclusion: 'action_required' }]);

    fixture.github.pullRequests.review(PULL, AUTHOR, 'APPROVED');
    await deliver('pull_request_review', { action: 'submitted' });
    expect(consentRuns()).toMatchObject([{ conclusion: 'action_required' }]);

    const approval = fixture.github.pullRequests.review(PULL, 'erin-gh', 'APPROVED');
    await deliver('pull_request_review', { action: 'submitted' });
    expect(consentRuns()).toMatchObject([
      { head_sha: head, conclusion: 'success', title: 'Consent given by @erin-gh' },
    ]);

    approval.state = 'DISMISSED';
    await deliver('pull_request_review', { action: 'dismissed' });
    expect(consentRuns()).toMatchObject([{ conclusion: 'action_required' }]);
  });

  it('asks again on a new head: an approval of an earlier one does not count', async () => {
    fixture.github.pullRequests.review(PULL, 'erin-gh', 'APPROVED');
    await deliver('pull_request_review', { action: 'submitted' });
    expect(consentRuns()).toMatchObject([{ head_sha: head, conclusion: 'success' }]);

    await fixture.repo.write({ 'README.md': 'a later push\n' });
    const pushed = await fixture.repo.commit('later');
    const pull = fixture.github.pullRequests.pulls.get(PULL);
    if (pull !== undefined) pull.head = pushed;
    await deliver('pull_request', { action: 'synchronize' });
    expect(consentRuns().find((run) => run.head_sha === pushed)).toMatchObject({
      conclusion: 'action_required',
    });
  });

  it('evaluates again when a review changes while the check is being reported', async () => {
    const approval = fixture.github.pullRequests.review(PULL, 'erin-gh', 'APPROVED');
    // The dismissal lands after the stage read the approval and before its report is written.
    fixture.github.beforeAnswer = (request) => {
      if (request.method === 'POST' && request.path.endsWith('/check-runs'))
        approval.state = 'DISMISSED';
      return Promise.resolve();
    };
    const { outcomes } = await deliver('pull_request_review', { action: 'submitted' });
    expect(outcomes).toMatchObject([{ status: 'done' }]);
    expect(consentRuns()).toMatchObject([{ conclusion: 'action_required' }]);
  });

  it('is reported only by a pull request into the default branch, which its protection reads', async () => {
    await deliver('pull_request', { action: 'opened' });
    expect(consentRuns()).toMatchObject([{ head_sha: head, conclusion: 'action_required' }]);
    // The same head opened onto a branch of the author's, which already holds the grant:
    // planned against that branch, it would ask nothing, and turn the head's check green.
    const pull = fixture.github.pullRequests.pulls.get(PULL);
    if (pull !== undefined) {
      pull.baseBranch = 'x-base';
      pull.base = head;
    }
    const { outcomes } = await deliver('pull_request', { action: 'opened' });
    expect(outcomes).toMatchObject([
      {
        status: 'skipped',
        detail: `pull request #${PULL} merges into x-base, not the default branch main`,
      },
    ]);
    expect(consentRuns()).toMatchObject([{ head_sha: head, conclusion: 'action_required' }]);
  });

  it('edits the same check run on a redelivery, and a repeated message changes nothing', async () => {
    const first = await deliver('pull_request', { action: 'opened' });
    const again = await deliver('pull_request', { action: 'opened' }, first.delivery);
    expect(again.reply).toEqual({ status: 200, body: { duplicate: true } });
    const [message] = publisher.messages(PULL_REQUESTS_TOPIC);
    await stage(message);
    fixture.github.pullRequests.review(PULL, 'alice-acme', 'APPROVED');
    await deliver('pull_request_review', { action: 'submitted' });
    expect(consentRuns()).toMatchObject([{ conclusion: 'success' }]);
    expect(fixture.requestsTo('POST', /\/check-runs$/)).toHaveLength(1);
  });

  it('ignores what cannot change consent, and refuses another repository', async () => {
    expect((await deliver('pull_request', { action: 'labeled' })).reply).toEqual({
      status: 202,
      body: { ignored: true, event: 'pull_request', action: 'labeled' },
    });
    expect((await deliver('pull_request', { action: 'edited', changes: {} })).reply.status).toBe(
      202,
    );
    const baseChanged = await deliver('pull_request', {
      action: 'edited',
      changes: { base: { ref: { from: 'develop' } } },
    });
    expect(baseChanged.reply.body).toEqual({ accepted: true, action: 'consent' });
    const fork = await deliver('pull_request_review', {
      action: 'submitted',
      repository: { id: 99, name: 'platform', default_branch: 'main', owner: { login: 'fork' } },
    });
    expect(fork.reply).toMatchObject({ status: 403 });
    expect(fork.outcomes).toEqual([]);
  });
});
