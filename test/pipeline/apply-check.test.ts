import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryStore } from '../../shared/adapters/memory-delivery-store.ts';
import { CLOUD_BUILDS_TOPIC } from '../../shared/core/contracts/build-notification.ts';
import {
  DESIRED_STATE_TOPIC,
  type CommitMessage,
} from '../../shared/core/contracts/commit-message.ts';
import { APPLY_CHECK, reportApplyCheck } from '../../shared/pipeline/apply-check.ts';
import { PLAN_CHECK } from '../../shared/pipeline/deltas-stage.ts';
import { createWebhookReceiver } from '../../functions/webhook-receiver.ts';
import { baseOrganization, unstagedOrganization } from '../support/base-organization.ts';
import {
  createTestPipeline,
  TEST_REPOSITORY,
  type TestPipeline,
} from '../support/embedded-pipeline.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';
import { signedCheckRunWebhook } from '../support/github-webhook.ts';
import { failure } from '../support/loopback-git-data.ts';
import {
  startLoopbackCloudBuild,
  type LoopbackCloudBuild,
} from '../support/loopback-cloud-build.ts';
import {
  loopbackCloudBuildService,
  loopbackGitHubPorts,
} from '../support/loopback-pipeline-ports.ts';

const SHOP = 'payments.production.shop';
const PROJECT = 'payments/production/shop/project.yaml';
const DATABASE = 'payments/production/shop/database.yaml';
const STAGING = 'payments.staging.shop';
const ORGANIZATION = 'organization';
const SECRET = 'webhook-secret';
/** The loopback GitHub App's id, as `signedCheckRunWebhook` sends it by default. */
const APP_ID = 1;
const CLOUD_BUILD_FAILURE =
  'Build step failure: build step 8 "hashicorp/terraform" failed: step exited with non-zero status: 1';

/**
 * The apply check on GitHub, through the real Octokit against the loopback GitHub, with
 * builds in the loopback Cloud Build whose notifications the test publishes as Cloud Build
 * would: the check run is created when the revision's builds are requested, edited as they
 * end, concluded, edited again (never doubled) on redelivery, and re-run by its button.
 */
describe('the infrastream/apply check run', () => {
  let fixture: GitHubFixture;
  let cloudBuild: LoopbackCloudBuild;
  let pipeline: TestPipeline;
  let commit: string;

  beforeEach(async () => {
    fixture = await createGitHubFixture();
    await fixture.repo.write(Object.fromEntries(unstagedOrganization));
    commit = await fixture.repo.commit('The base organization');
    cloudBuild = await startLoopbackCloudBuild();
    pipeline = await createTestPipeline(fixture.repo.directory, {
      apply: true,
      builds: () => loopbackCloudBuildService(cloudBuild),
      github: loopbackGitHubPorts(fixture.github),
    });
  });

  afterEach(async () => {
    await cloudBuild.close();
    await fixture.dispose();
  });

  const runs = (name: string) => fixture.github.checkRuns.runs.filter((run) => run.name === name);
  const builds = (workspace: string) =>
    cloudBuild.builds.filter((build) => build.substitutions?._WORKSPACE === workspace);

  /** Cloud Build's notification of the end of `workspace`'s latest build. */
  function ended(workspace: string, status: 'SUCCESS' | 'FAILURE') {
    const build = builds(workspace).at(-1);
    if (build === undefined) throw new Error(`no build of ${workspace}`);
    const steps = (build.steps as { id: string }[]).map((step) => ({
      ...step,
      status: status === 'FAILURE' && step.id === 'apply' ? 'FAILURE' : 'SUCCESS',
    }));
    return {
      ...build,
      status,
      steps,
      finishTime: '2026-11-22T12:00:00Z',
      ...(status === 'FAILURE'
        ? { failureInfo: { type: 'USER_BUILD_STEP', detail: CLOUD_BUILD_FAILURE } }
        : {
            results: {
              buildStepOutputs: steps.map((step) =>
                step.id === 'check-plan'
                  ? Buffer.from(JSON.stringify({ create: 3, update: 1, destroy: 0 })).toString(
                      'base64',
                    )
                  : '',
              ),
            },
          }),
    };
  }

  async function notify(notification: unknown): Promise<void> {
    await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, notification);
    await pipeline.bus.drain();
  }

  it('is queued with the push, edited as builds end, concluded, and edited again on redelivery', async () => {
    await pipeline.push({ after: commit });
    const [queued, ...more] = runs(APPLY_CHECK);
    expect(more).toEqual([]);
    expect(queued).toMatchObject({
      head_sha: commit,
      status: 'queued',
      conclusion: null,
      title: 'Applying: 0 applied, 3 waiting of 3 workspaces',
    });
    expect(runs(PLAN_CHECK)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });

    await notify(ended(ORGANIZATION, 'SUCCESS'));
    expect(runs(APPLY_CHECK)).toHaveLength(1);
    expect(queued).toMatchObject({
      status: 'in_progress',
      conclusion: null,
      title: 'Applying: 1 applied, 2 waiting of 3 workspaces',
    });
    expect(queued?.summary).toContain(`| \`${ORGANIZATION}\` | ✅ applied |  | 3 | 1 | 0 |`);

    await notify(ended(SHOP, 'FAILURE'));
    const last = ended(STAGING, 'SUCCESS');
    await notify(last);
    expect(runs(APPLY_CHECK)).toHaveLength(1);
    expect(queued).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      title: '2 applied, 1 failed of 3 workspaces',
      details_url: builds(SHOP)[0]?.logUrl,
    });
    expect(queued?.summary).toContain(`| \`${SHOP}\` | ❌ failed | apply |`);
    expect(queued?.summary).toContain(
      `### \`${SHOP}\` failed in step \`apply\`\n\n\`\`\`\n${CLOUD_BUILD_FAILURE}\n\`\`\``,
    );
    const concluded = { ...queued };

    // Pub/Sub delivers at least once: the same notification again edits the same run.
    await notify(last);
    expect(runs(APPLY_CHECK)).toEqual([concluded]);
    expect(fixture.requestsTo('POST', /\/check-runs$/).map((request) => request.body)).toEqual([
      expect.objectContaining({ name: 'infrastream/validate' }),
      expect.objectContaining({ name: PLAN_CHECK }),
      expect.objectContaining({ name: APPLY_CHECK, status: 'queued' }),
    ]);
  });

  it('is never opened for a revision whose plan refuses it, whose plan check fails and which builds nothing, even redelivered', async () => {
    const decoder = new TextDecoder();
    const original = (file: string) => decoder.decode(baseOrganization.get(file));
    await fixture.repo.write({
      [DATABASE]: `${original(DATABASE)}  lifecycle:\n    allowReplacement: Moving with the VPN\n`,
    });
    const allowed = await fixture.repo.commit('The shop database may move');
    await pipeline.push({ after: allowed });
    const built = cloudBuild.builds.length;
    // The next revision drops the allowance and moves the project: the cluster is replaced.
    await fixture.repo.write({
      [DATABASE]: original(DATABASE),
      [PROJECT]: original(PROJECT).replace('region: europe-west1', 'region: europe-west4'),
    });
    const refused = await fixture.repo.commit('The shop moves to europe-west4');
    await pipeline.push({ after: refused });
    const redelivered: CommitMessage = {
      version: 1,
      delivery: 'redelivered',
      repository: TEST_REPOSITORY,
      ref: 'refs/heads/main',
      commit: refused,
      action: 'apply',
      forced: false,
      pusher: 'octocat',
    };
    await pipeline.bus.publish(DESIRED_STATE_TOPIC, redelivered);
    expect((await pipeline.bus.drain()).map((delivery) => delivery.outcome)).toEqual([
      { status: 'repeated', detail: '0 builds requested again' },
    ]);

    const checks = fixture.github.checkRuns.runs.filter((run) => run.head_sha === refused);
    expect(checks.map((run) => run.name).sort()).toEqual([PLAN_CHECK, 'infrastream/validate']);
    const plan = checks.find((run) => run.name === PLAN_CHECK);
    expect(plan).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(plan?.title).toMatch(/^Plan refused: \d+ errors, data loss not allowed; /);
    expect(plan?.annotations).toContainEqual(
      expect.objectContaining({
        path: PROJECT,
        start_line: 10,
        annotation_level: 'failure',
        title: 'lifecycle/replaces-data',
      }),
    );
    expect(cloudBuild.builds).toHaveLength(built);
    expect((await pipeline.state.commit(refused))?.stages.deltas).toMatchObject({
      workspaces: [],
      refused: { reason: expect.stringContaining('nothing applied') as unknown },
    });
  });

  it('folds the edits of notifications that arrive together into few calls', async () => {
    await pipeline.push({ after: commit });
    await notify(ended(ORGANIZATION, 'SUCCESS'));
    const checkRunCalls = () =>
      fixture.github.requests.filter((request) => request.path.includes('/check-runs')).length;
    const before = checkRunCalls();
    // As many instances of build-status at once, each after recording its notification.
    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        reportApplyCheck(pipeline.ports, pipeline.state.repository, commit, `message ${index}`),
      ),
    );
    // One claims the check and edits it, the others mark it changed; the claimer looks
    // again once (finding it as it sent it): at most two finds and one edit, not eight each.
    expect(checkRunCalls() - before).toBeLessThanOrEqual(3);
    expect(runs(APPLY_CHECK)).toHaveLength(1);
  });

  it('is finished by a later revision when its edit failed for good while builds ended', async () => {
    await pipeline.push({ after: commit });
    await notify(ended(ORGANIZATION, 'SUCCESS'));
    // The next revision is recorded while the commit's builds still run.
    await fixture.repo.write({ 'README.md': 'The platform.\n' });
    const next = await fixture.repo.commit('A readme');
    await pipeline.push({ after: next, before: commit });
    // GitHub refuses every edit of the check run while the last two builds end, one of them
    // while the other's handler holds the check: a refusal is for good, the message given up.
    let meanwhile: unknown = ended(STAGING, 'SUCCESS');
    fixture.github.beforeAnswer = async (request) => {
      if (request.method !== 'PATCH' || meanwhile === undefined) return;
      await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, meanwhile);
      meanwhile = undefined;
    };
    fixture.github.answerInstead = (request) =>
      request.method === 'PATCH' && request.path.includes('/check-runs/')
        ? failure(422, 'Unprocessable Entity')
        : undefined;
    await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, ended(SHOP, 'FAILURE'));
    const [given] = await pipeline.bus.drain();
    expect(given?.outcome).toMatchObject({ status: 'rejected' });
    fixture.github.beforeAnswer = undefined;
    fixture.github.answerInstead = undefined;
    const applied = () => runs(APPLY_CHECK).find((run) => run.head_sha === commit);
    expect(applied()).toMatchObject({ status: 'in_progress' });

    // No notification of the commit is to come: the revision after next finishes its check.
    await fixture.repo.write({ 'README.md': 'The platform, documented.\n' });
    const third = await fixture.repo.commit('A longer readme');
    await pipeline.push({ after: third, before: next });
    expect(applied()).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      title: '2 applied, 1 failed of 3 workspaces',
    });
  });

  it('re-runs the failed workspaces of the current revision when its Re-run is pressed', async () => {
    await pipeline.push({ after: commit });
    await notify(ended(ORGANIZATION, 'SUCCESS'));
    await notify(ended(SHOP, 'FAILURE'));
    await notify(ended(STAGING, 'SUCCESS'));
    const receive = createWebhookReceiver({
      secrets: [SECRET],
      repository: { owner: 'acme', name: 'platform', id: 42 },
      deliveries: new MemoryDeliveryStore(),
      publisher: pipeline.bus,
      maxBodyBytes: 1024 * 1024,
      checkRuns: { store: pipeline.ports.store, clock: pipeline.ports.clock, appId: APP_ID },
    });
    const rerun = await signedCheckRunWebhook(SECRET, {
      owner: 'acme',
      name: 'platform',
      defaultBranch: 'main',
      action: 'rerequested',
      checkName: APPLY_CHECK,
      headSha: commit,
    });
    const request = {
      method: 'POST',
      headers: rerun.headers,
      rawBody: Buffer.from(rerun.body),
    };

    expect(await receive(request)).toMatchObject({ status: 202, body: { retried: [SHOP] } });
    await pipeline.bus.drain();
    expect(builds(SHOP).map((build) => build.tags?.includes('attempt_2'))).toEqual([false, true]);
    expect([builds(ORGANIZATION).length, builds(STAGING).length]).toEqual([1, 1]);
    // GitHub redelivers: the same delivery is a duplicate, not a third attempt.
    expect(await receive(request)).toMatchObject({ status: 200, body: { duplicate: true } });
    await pipeline.bus.drain();
    expect(builds(SHOP)).toHaveLength(2);

    await notify(ended(SHOP, 'SUCCESS'));
    expect(runs(APPLY_CHECK)).toEqual([
      expect.objectContaining({
        status: 'completed',
        conclusion: 'success',
        title: '3 applied of 3 workspaces',
      }),
    ]);
  });

  it("ignores the Re-run of another app's check run of the same name", async () => {
    await pipeline.push({ after: commit });
    await notify(ended(SHOP, 'FAILURE'));
    const receive = createWebhookReceiver({
      secrets: [SECRET],
      repository: { owner: 'acme', name: 'platform', id: 42 },
      deliveries: new MemoryDeliveryStore(),
      publisher: pipeline.bus,
      maxBodyBytes: 1024 * 1024,
      checkRuns: { store: pipeline.ports.store, clock: pipeline.ports.clock, appId: APP_ID },
    });
    const rerun = await signedCheckRunWebhook(SECRET, {
      owner: 'acme',
      name: 'platform',
      defaultBranch: 'main',
      action: 'rerequested',
      checkName: APPLY_CHECK,
      headSha: commit,
      appId: APP_ID + 1,
    });
    const reply = await receive({
      method: 'POST',
      headers: rerun.headers,
      rawBody: Buffer.from(rerun.body),
    });
    expect(reply).toMatchObject({ status: 202, body: { ignored: true, app: APP_ID + 1 } });
    await pipeline.bus.drain();
    expect(builds(SHOP)).toHaveLength(1);
  });

  it('re-runs nothing for a commit that is no longer the current revision', async () => {
    await pipeline.push({ after: commit });
    await notify(ended(SHOP, 'FAILURE'));
    await fixture.repo.write({ 'README.md': 'The platform.\n' });
    const next = await fixture.repo.commit('A readme');
    await pipeline.push({ after: next, before: commit });
    const receive = createWebhookReceiver({
      secrets: [SECRET],
      repository: { owner: 'acme', name: 'platform', id: 42 },
      deliveries: new MemoryDeliveryStore(),
      publisher: pipeline.bus,
      maxBodyBytes: 1024 * 1024,
      checkRuns: { store: pipeline.ports.store, clock: pipeline.ports.clock, appId: APP_ID },
    });
    const rerun = await signedCheckRunWebhook(SECRET, {
      owner: 'acme',
      name: 'platform',
      defaultBranch: 'main',
      action: 'rerequested',
      checkName: APPLY_CHECK,
      headSha: commit,
    });
    const reply = await receive({
      method: 'POST',
      headers: rerun.headers,
      rawBody: Buffer.from(rerun.body),
    });
    expect(reply).toMatchObject({ status: 200, body: { retried: [] } });
    expect((reply.body as { reason: string }).reason).toContain('is not the current revision');
    await pipeline.bus.drain();
    expect(builds(SHOP)).toHaveLength(1);
  });
});
