import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryStore } from '../../shared/adapters/memory-delivery-store.ts';
import { CLOUD_BUILDS_TOPIC } from '../../shared/core/contracts/build-notification.ts';
import { APPROVE_RELEASE_ACTION } from '../../shared/core/report/format-apply-check.ts';
import { APPLY_CHECK } from '../../shared/pipeline/apply-check.ts';
import type { BuildDocument, EventDocument } from '../../shared/pipeline/state-documents.ts';
import { createWebhookReceiver } from '../../functions/webhook-receiver.ts';
import { baseOrganization } from '../support/base-organization.ts';
import { createTestPipeline, type TestPipeline } from '../support/embedded-pipeline.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';
import { signedCheckRunWebhook } from '../support/github-webhook.ts';
import {
  startLoopbackCloudBuild,
  type LoopbackCloudBuild,
} from '../support/loopback-cloud-build.ts';
import {
  loopbackCloudBuildService,
  loopbackGitHubPorts,
} from '../support/loopback-pipeline-ports.ts';

const PRODUCTION = 'payments.production.shop';
const STAGING = 'payments.staging.shop';
const ORGANIZATION = 'organization';
const SECRET = 'webhook-secret';
const APP_ID = 1;
/** alice is in the platform group, which the base track's production stage names. */
const STAKEHOLDER = 'alice-acme';

/**
 * The base organization's track applies staging, then production once the platform group
 * approved: through the real Octokit against the loopback GitHub, with builds in the loopback
 * Cloud Build whose notifications the test publishes as Cloud Build would.
 */
describe('a release track with an approval policy, on GitHub', () => {
  let fixture: GitHubFixture;
  let cloudBuild: LoopbackCloudBuild;
  let pipeline: TestPipeline;
  let commit: string;

  beforeEach(async () => {
    fixture = await createGitHubFixture();
    await fixture.repo.write(Object.fromEntries(baseOrganization));
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

  const builds = (workspace: string) =>
    cloudBuild.builds.filter((build) => build.substitutions?._WORKSPACE === workspace);
  const applyCheck = () => fixture.github.checkRuns.runs.find((run) => run.name === APPLY_CHECK);
  const stored = async (workspace: string) =>
    (await pipeline.ports.store.get(pipeline.state.paths.build(workspace, commit))) as
      BuildDocument | undefined;
  const events = async () =>
    (await pipeline.ports.store.list(pipeline.state.paths.events)).map(
      (entry) => entry.data as unknown as EventDocument,
    );

  async function ended(workspace: string, status: 'SUCCESS' | 'FAILURE'): Promise<void> {
    const build = builds(workspace).at(-1);
    if (build === undefined) throw new Error(`no build of ${workspace}`);
    await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, {
      ...build,
      status,
      finishTime: '2026-11-22T12:00:00Z',
    });
    await pipeline.bus.drain();
  }

  async function approve(login: string, headSha = commit) {
    const receive = createWebhookReceiver({
      secrets: [SECRET],
      repository: { owner: 'acme', name: 'platform', id: 42 },
      deliveries: new MemoryDeliveryStore(),
      publisher: pipeline.bus,
      maxBodyBytes: 1024 * 1024,
      checkRuns: { store: pipeline.ports.store, clock: pipeline.ports.clock, appId: APP_ID },
    });
    const pressed = await signedCheckRunWebhook(SECRET, {
      owner: 'acme',
      name: 'platform',
      defaultBranch: 'main',
      action: 'requested_action',
      requestedAction: APPROVE_RELEASE_ACTION,
      checkName: APPLY_CHECK,
      headSha,
      sender: login,
    });
    const reply = await receive({
      method: 'POST',
      headers: pressed.headers,
      rawBody: Buffer.from(pressed.body),
    });
    await pipeline.bus.drain();
    return reply;
  }

  it('applies production only once staging applied and a platform member approved', async () => {
    await pipeline.push({ after: commit });
    expect(builds(STAGING)).toHaveLength(1);
    expect(builds(ORGANIZATION)).toHaveLength(1);
    expect(builds(PRODUCTION)).toEqual([]);
    expect(await stored(PRODUCTION)).toMatchObject({
      status: 'held',
      hold: { kind: 'earlier-stage', stage: 'main/2' },
      reason: `held: stage main/2 waits for ${STAGING} of stage main/1 to apply`,
    });
    expect(applyCheck()?.actions).toEqual([]);

    // Staging applied: production now waits for its approval, and the check offers it.
    await ended(STAGING, 'SUCCESS');
    expect(builds(PRODUCTION)).toEqual([]);
    expect(await stored(PRODUCTION)).toMatchObject({
      status: 'held',
      hold: { kind: 'approval', stage: 'main/2' },
      reason: 'held: stage main/2 waits for 1 more approval from platform',
    });
    expect(applyCheck()).toMatchObject({
      status: 'in_progress',
      title: 'Applying: 1 applied, 1 held, 1 waiting of 3 workspaces',
      actions: [expect.objectContaining({ identifier: APPROVE_RELEASE_ACTION })],
    });
    expect(applyCheck()?.summary).toContain(`| \`${PRODUCTION}\` | ⏸️ held |`);

    // The pusher and anyone outside the platform group release nothing.
    for (const outsider of ['octocat', 'mallory']) {
      expect(await approve(outsider)).toMatchObject({
        status: 202,
        body: { approved: outsider, requested: [PRODUCTION] },
      });
      expect(builds(PRODUCTION)).toEqual([]);
    }
    expect(await stored(PRODUCTION)).toMatchObject({ status: 'held' });

    expect(await approve('Alice-Acme')).toMatchObject({ status: 202 });
    expect(builds(PRODUCTION)).toHaveLength(1);
    await ended(PRODUCTION, 'SUCCESS');
    await ended(ORGANIZATION, 'SUCCESS');
    expect(applyCheck()).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      title: '3 applied of 3 workspaces',
      actions: [],
    });

    const trail = await events();
    expect(trail.filter((event) => event.type === 'release-held')).toEqual([
      expect.objectContaining({ workspace: PRODUCTION, commit }),
      expect.objectContaining({ workspace: PRODUCTION, commit }),
    ]);
    expect(
      trail.filter((event) => event.type === 'release-approved').map((event) => event.actor),
    ).toEqual(expect.arrayContaining(['octocat', 'mallory', STAKEHOLDER]));
    expect(trail.filter((event) => event.type === 'stage-released')).toEqual([
      expect.objectContaining({ actor: STAKEHOLDER, commit }),
    ]);
  });

  it('holds production for good when staging fails, and says so', async () => {
    await pipeline.push({ after: commit });
    await ended(STAGING, 'FAILURE');
    expect(await approve(STAKEHOLDER)).toMatchObject({ status: 202 });
    expect(builds(PRODUCTION)).toEqual([]);
    expect(await stored(PRODUCTION)).toMatchObject({
      status: 'held',
      hold: { kind: 'earlier-failed' },
      reason: `held: ${STAGING} of stage main/1 failed, and stage main/2 applies only after it`,
    });
  });

  it('releases a held revision approved after a newer one that left production alone', async () => {
    await pipeline.push({ after: commit });
    await ended(STAGING, 'SUCCESS');
    await fixture.repo.write({ 'README.md': 'The platform.\n' });
    const next = await fixture.repo.commit('A readme');
    await pipeline.push({ after: next, before: commit });
    expect(builds(PRODUCTION)).toEqual([]);

    expect(await approve(STAKEHOLDER)).toMatchObject({ status: 202 });
    expect(builds(PRODUCTION).map((build) => build.substitutions?._COMMIT)).toEqual([commit]);
  });

  it('holds production again when a forced push records an applied commit anew', async () => {
    await pipeline.push({ after: commit });
    await ended(STAGING, 'SUCCESS');
    await approve(STAKEHOLDER);
    await ended(PRODUCTION, 'SUCCESS');
    const file = 'payments/production/shop/deployment-config.yaml';
    await fixture.repo.write({
      [file]: new TextDecoder()
        .decode(baseOrganization.get(file))
        .replace('version: "1.0.0"', 'version: "1.1.0"'),
    });
    const next = await fixture.repo.commit('Shop 1.1.0 in production');
    await pipeline.push({ after: next, before: commit });
    expect(builds(PRODUCTION)).toHaveLength(1);

    // Rolled back by force: production was applied at this commit before, under an earlier
    // sequence, which neither lets it start now nor counts as this recording's release.
    await pipeline.push({ after: commit, before: next, forced: true });
    expect(builds(PRODUCTION)).toHaveLength(1);
    expect(await stored(PRODUCTION)).toMatchObject({ status: 'held' });
  });

  it('holds a revision that drops its own approval policy until the policy it replaces is met', async () => {
    await pipeline.push({ after: commit });
    await ended(STAGING, 'SUCCESS');
    await approve(STAKEHOLDER);
    await ended(PRODUCTION, 'SUCCESS');
    const track = 'payments/release-track.yaml';
    const shop = 'payments/production/shop/deployment-config.yaml';
    const text = (file: string) => new TextDecoder().decode(baseOrganization.get(file));
    await fixture.repo.write({
      [track]: text(track).replace(/\n {6}approvalPolicy:[\s\S]*$/, '\n'),
      [shop]: text(shop).replace('version: "1.0.0"', 'version: "1.1.0"'),
    });
    const loosened = await fixture.repo.commit('Production without an approval, and shop 1.1.0');
    await pipeline.push({ after: loosened, before: commit });
    expect(builds(PRODUCTION)).toHaveLength(1);
    expect(
      await pipeline.ports.store.get(pipeline.state.paths.build(PRODUCTION, loosened)),
    ).toMatchObject({ status: 'held', hold: { kind: 'approval' } });

    expect(await approve(STAKEHOLDER, loosened)).toMatchObject({ status: 202 });
    expect(builds(PRODUCTION).map((build) => build.substitutions?._COMMIT)).toEqual([
      commit,
      loosened,
    ]);
  });

  it('records no approval of a commit that was never recorded', async () => {
    await fixture.repo.write({ 'README.md': 'The platform.\n' });
    const unrecorded = await fixture.repo.commit('A readme');
    await pipeline.push({ after: commit });
    await ended(STAGING, 'SUCCESS');
    expect(await approve(STAKEHOLDER, unrecorded)).toMatchObject({
      status: 200,
      body: { approved: null },
    });
    expect(builds(PRODUCTION)).toEqual([]);
  });
});
