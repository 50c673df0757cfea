import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { signedPushWebhook } from '../support/github-webhook.ts';
import type { StoredCheckRun } from '../support/loopback-check-runs.ts';

const SECRET = 'webhook-secret';
const GOVERNED = { owner: 'acme', name: 'platform', id: 42 };
const PULL = 7;
const ON_CALL = 'groups/on-call.yaml';
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
  let base: string;
  let head: string;

  beforeEach(async () => {
    fixture = await createGitHubFixture();
    const write = async (files: ReturnType<typeof consentOrganization>) => {
      await fixture.repo.write(Object.fromEntries(files.map((file) => [file.path, file.bytes])));
      return fixture.repo.commit('change');
    };
    base = await write(consentOrganization('staging'));
    // The pull request's branch: the default branch stays where it forks.
    await fixture.repo.git('checkout', '--quiet', '-b', 'feature');
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
      publisher,
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
    return { reply, outcomes: await runStage(before), delivery };
  }

  /** Runs the stage on the messages published since `before`, its own among them. */
  async function runStage(before: number) {
    const outcomes = [];
    for (let next = before; next < publisher.messages(PULL_REQUESTS_TOPIC).length; next++)
      outcomes.push(await stage(publisher.messages(PULL_REQUESTS_TOPIC)[next]));
    return outcomes;
  }

  /** Commits `files` on the default branch and delivers its push. */
  async function pushToMain(files: Readonly<Record<string, string>>) {
    await fixture.repo.git('checkout', '--quiet', 'main');
    const before = (await fixture.repo.git('rev-parse', 'HEAD')).trim();
    await fixture.repo.write(files);
    const pushed = await fixture.repo.commit('a change of the default branch');
    await fixture.repo.git('checkout', '--quiet', 'feature');
    return deliverPush(before, pushed);
  }

  /** Delivers the push of the default branch from `before` to `after`, and runs the stage. */
  async function deliverPush(before: string, after: string, ref = 'refs/heads/main') {
    const hook = await signedPushWebhook(SECRET, {
      ...GOVERNED,
      defaultBranch: 'main',
      ref,
      before,
      after,
      message: 'a change of the default branch',
    });
    const published = publisher.messages(PULL_REQUESTS_TOPIC).length;
    const reply = await receive({
      method: 'POST',
      headers: hook.headers,
      rawBody: Buffer.from(hook.body),
    });
    return { reply, outcomes: await runStage(published) };
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

  it('is evaluated again when the default branch moves: who may approve is read from it', async () => {
    fixture.github.pullRequests.review(PULL, 'erin-gh', 'APPROVED');
    await deliver('pull_request_review', { action: 'submitted' });
    expect(consentRuns()).toMatchObject([{ head_sha: head, conclusion: 'success' }]);
    const onCall = await readFile(join(fixture.repo.directory, ON_CALL), 'utf8');

    // Erin leaves the on-call team on the default branch; the pull request is not rebased.
    const { reply, outcomes } = await pushToMain({
      [ON_CALL]: onCall.replace('      - erin\n', '      - bob\n'),
    });
    expect(reply).toEqual({ status: 202, body: { accepted: true, action: 'apply' } });
    expect(outcomes).toMatchObject([
      {
        status: 'done',
        detail: `1 open pull requests into main evaluated again (#${PULL})`,
      },
      { status: 'done' },
    ]);
    expect(outcomes[1]?.detail).toContain('action_required');
    const [run, ...others] = consentRuns();
    expect(others).toEqual([]);
    expect(run).toMatchObject({ head_sha: head, conclusion: 'action_required' });
    expect(run?.summary).toContain('waiting for one of @alice-acme (');
    // Still the pull request's own change: its base is where it forks, not the moved branch.
    expect(run?.summary).not.toContain(ON_CALL);
  });

  it('skips, when the default branch moves, the pull request whose head was pushed, and closed ones', async () => {
    fixture.github.pullRequests.open(PULL + 1, 'carol-gh', base, base);
    fixture.github.pullRequests.open(PULL + 2, AUTHOR, head, base).state = 'closed';
    // The pull request's head pushed to the default branch itself: merged by fast-forward.
    await fixture.repo.git('checkout', '--quiet', 'main');
    await fixture.repo.git('merge', '--quiet', '--ff-only', 'feature');
    await fixture.repo.git('checkout', '--quiet', 'feature');
    const { outcomes } = await deliverPush(base, head);
    expect(outcomes).toMatchObject([
      { status: 'done', detail: `1 open pull requests into main evaluated again (#${PULL + 1})` },
      { status: 'done' },
    ]);
    expect(outcomes[1]?.detail).toContain('No consent needed');
    expect(consentRuns()).toMatchObject([{ head_sha: base, conclusion: 'success' }]);
    // A push of another branch moves no pull request's base.
    const other = await deliverPush(base, head, 'refs/heads/feature');
    expect(other.reply.status).toBe(202);
    expect(other.outcomes).toEqual([]);
  });

  it('lists the open pull requests into a branch page by page, up to a limit, saying when there were more', async () => {
    for (let number = 100; number < 250; number++)
      fixture.github.pullRequests.open(number, AUTHOR, head, base);
    fixture.github.pullRequests.open(250, AUTHOR, head, base).baseBranch = 'develop';
    const reader = createGitHubPullRequests({ octokit: fixture.octokit });
    const all = await reader.listOpen(fixture.repository, 'main', 300);
    expect(all.complete).toBe(true);
    expect(all.pulls).toHaveLength(151);
    expect(all.pulls[0]).toEqual({ number: 249, head });
    expect(fixture.requestsTo('GET', /\/pulls$/)).toHaveLength(2);
    const some = await reader.listOpen(fixture.repository, 'main', 120);
    expect(some).toMatchObject({ complete: false });
    expect(some.pulls.map((pull) => pull.number)).toEqual(
      Array.from({ length: 120 }, (_, index) => 249 - index),
    );
    const exactly = await reader.listOpen(fixture.repository, 'main', 151);
    expect(exactly).toMatchObject({ complete: true });
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
      await fixture.repo.git('branch', 'x-base', head);
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
