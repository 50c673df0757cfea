import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOUD_BUILDS_TOPIC } from '../../shared/core/contracts/build-notification.ts';
import type { BuildDocument, WorkspaceDocument } from '../../shared/pipeline/state-documents.ts';
import { baseOrganization, unstagedOrganization } from '../support/base-organization.ts';
import { createTestPipeline, type TestPipeline } from '../support/embedded-pipeline.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import {
  startLoopbackCloudBuild,
  type LoopbackCloudBuild,
} from '../support/loopback-cloud-build.ts';
import { loopbackCloudBuildService } from '../support/loopback-pipeline-ports.ts';

const PROJECT = 'payments/production/shop/project.yaml';
const SHOP = 'payments.production.shop';

/**
 * Builds run in Cloud Build (its real client, against a loopback server that speaks its REST
 * surface); their outcomes come back as Cloud Build publishes them: the Build resource, on
 * the `cloud-builds` topic, in whatever order the test chooses.
 */
describe('builds serialize per workspace and never apply an older revision after a newer one', () => {
  let repository: TestRepository;
  let cloudBuild: LoopbackCloudBuild;
  let pipeline: TestPipeline;
  const commits: string[] = [];

  beforeEach(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    commits.length = 0;
    commits.push(await repository.commit('The base organization'));
    cloudBuild = await startLoopbackCloudBuild();
    pipeline = await createTestPipeline(repository.directory, {
      apply: true,
      builds: () => loopbackCloudBuildService(cloudBuild),
    });
  });

  afterEach(async () => {
    await cloudBuild.close();
    await rm(repository.directory, { recursive: true, force: true });
  });

  async function pushEgressHost(host: string): Promise<string> {
    const project = new TextDecoder().decode(baseOrganization.get(PROJECT));
    await repository.write({
      [PROJECT]: project.replace('    - 203.0.113.0/24\n', `    - 203.0.113.0/24\n    - ${host}\n`),
    });
    const commit = await repository.commit(`Allow ${host}`);
    commits.push(commit);
    await pipeline.push({ after: commit });
    return commit;
  }

  /** Cloud Build reports the end of the build of `workspace` at `commit`. */
  async function finish(workspace: string, commit: string, status: string) {
    const build = cloudBuild.builds.find(
      (item) =>
        item.substitutions?._WORKSPACE === workspace && item.substitutions._COMMIT === commit,
    );
    if (build === undefined) throw new Error(`no build of ${workspace} at ${commit}`);
    await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, {
      ...build,
      status,
      finishTime: '2026-11-22T12:00:00Z',
    });
    return pipeline.bus.drain();
  }

  async function workspace(id: string): Promise<WorkspaceDocument> {
    return (await pipeline.ports.store.get(
      pipeline.state.paths.workspace(id),
    )) as unknown as WorkspaceDocument;
  }

  async function build(id: string, commit: string): Promise<BuildDocument> {
    return (await pipeline.ports.store.get(
      pipeline.state.paths.build(id, commit),
    )) as unknown as BuildDocument;
  }

  const shopBuilds = () =>
    cloudBuild.builds
      .filter((item) => item.substitutions?._WORKSPACE === SHOP)
      .map((item) => item.substitutions?._COMMIT);

  it('queues the newest revision behind a running build and supersedes the ones between', async () => {
    const [first] = commits as [string];
    await pipeline.push({ after: first });
    expect(await workspace(SHOP)).toMatchObject({
      running: { commit: first, sequence: 1 },
      pending: null,
    });
    const second = await pushEgressHost('api.one.example');
    const third = await pushEgressHost('api.two.example');
    // Only the first build was started; the third waits, the second will never run.
    expect(shopBuilds()).toEqual([first]);
    expect(await workspace(SHOP)).toMatchObject({ pending: { commit: third, sequence: 3 } });
    expect((await build(SHOP, second)).status).toBe('superseded');

    await finish(SHOP, first, 'SUCCESS');
    expect(shopBuilds()).toEqual([first, third]);
    expect(await workspace(SHOP)).toMatchObject({
      lastApplied: { commit: first, sequence: 1 },
      running: { commit: third, sequence: 3 },
      pending: null,
    });
    await finish(SHOP, third, 'SUCCESS');
    expect(await workspace(SHOP)).toMatchObject({
      lastApplied: { commit: third, sequence: 3 },
      running: null,
    });
  });

  it('ignores an older build that finishes after a newer one, and a repeated notification', async () => {
    const [first] = commits as [string];
    await pipeline.push({ after: first });
    await finish(SHOP, first, 'SUCCESS');
    const second = await pushEgressHost('api.one.example');
    await finish(SHOP, second, 'SUCCESS');
    expect((await workspace(SHOP)).lastApplied).toMatchObject({ commit: second, sequence: 2 });

    const late = await finish(SHOP, first, 'SUCCESS');
    expect(late.map((delivery) => (delivery.outcome as { status: string }).status)).toEqual([
      'repeated',
    ]);
    expect((await workspace(SHOP)).lastApplied).toMatchObject({ commit: second, sequence: 2 });
    // A build that ended after a newer one was applied never moves the workspace back.
    const store = pipeline.ports.store;
    await store.write([{ kind: 'delete', path: pipeline.state.paths.build(SHOP, first) }]);
    await finish(SHOP, first, 'SUCCESS');
    expect((await workspace(SHOP)).lastApplied).toMatchObject({ commit: second, sequence: 2 });
  });

  it('builds and applies again a commit that a forced push brings back', async () => {
    const [first] = commits as [string];
    await pipeline.push({ after: first });
    await finish(SHOP, first, 'SUCCESS');
    const second = await pushEgressHost('api.one.example');
    await finish(SHOP, second, 'SUCCESS');
    await pipeline.push({ after: first, forced: true, delivery: 'forced-back' });
    expect(shopBuilds()).toEqual([first, second, first]);
    const again = cloudBuild.builds.at(-1);
    expect(again?.substitutions?._SEQUENCE).toBe('3');
    await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, { ...again, status: 'SUCCESS' });
    await pipeline.bus.drain();
    expect((await workspace(SHOP)).lastApplied).toMatchObject({ commit: first, sequence: 3 });
  });

  it('records a failed build and keeps the last applied revision', async () => {
    const [first] = commits as [string];
    await pipeline.push({ after: first });
    await finish(SHOP, first, 'SUCCESS');
    const second = await pushEgressHost('api.one.example');
    await finish(SHOP, second, 'FAILURE');
    expect(await build(SHOP, second)).toMatchObject({ status: 'FAILURE' });
    expect(await workspace(SHOP)).toMatchObject({ lastApplied: { commit: first }, running: null });
  });

  it('builds a failed revision again on a retry, as a new Cloud Build, and applies it', async () => {
    const [first] = commits as [string];
    await pipeline.push({ after: first });
    await finish(SHOP, first, 'FAILURE');
    const retry = {
      version: 2,
      repository: { owner: 'acme', name: 'platform', defaultBranch: 'main' },
      workspaces: [SHOP],
      commit: first,
      sequence: 1,
      apply: true,
      retry: true,
    };
    await pipeline.bus.publish('builds', retry);
    await pipeline.bus.drain();
    const [failed, again] = cloudBuild.builds.filter(
      (item) => item.substitutions?._WORKSPACE === SHOP,
    );
    expect(again?.tags).toContain('attempt_2');
    expect(again?.id).not.toBe(failed?.id);
    expect(await build(SHOP, first)).toMatchObject({ attempt: 2, build: again?.id });
    // A late repeat of the first attempt's end is not taken for the second's.
    await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, { ...failed, status: 'FAILURE' });
    await pipeline.bus.drain();
    expect((await workspace(SHOP)).running).toMatchObject({ attempt: 2, build: again?.id });
    await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, { ...again, status: 'SUCCESS' });
    await pipeline.bus.drain();
    expect(await workspace(SHOP)).toMatchObject({
      running: null,
      lastApplied: { commit: first, sequence: 1, build: again?.id },
    });
    // A second retry of a build that succeeded is declined.
    await pipeline.bus.publish('builds', retry);
    const [declined] = (await pipeline.bus.drain()).map((delivery) => delivery.outcome);
    expect(declined).toMatchObject({ status: 'skipped' });
    expect(
      cloudBuild.builds.filter((item) => item.substitutions?._WORKSPACE === SHOP),
    ).toHaveLength(2);
  });

  it('starts one Cloud Build when the stage dies after Cloud Build accepted the request', async () => {
    const [first] = commits as [string];
    const backend = pipeline.ports.builds;
    const crashed = new Set<string>();
    const crashing = await createTestPipeline(repository.directory, {
      apply: true,
      builds: () => ({
        async submit(request) {
          const submitted = await backend.submit(request);
          if (!crashed.has(request.workspace)) {
            crashed.add(request.workspace);
            throw new Error('the process died before recording the build');
          }
          return submitted;
        },
      }),
    });
    await crashing.push({ after: first });
    expect(crashing.bus.deadLetters).toEqual([]);
    const workspaces = (await crashing.state.commit(first))?.stages.deltas?.workspaces ?? [];
    expect(crashed.size).toBe(workspaces.length);
    const started = cloudBuild.builds.map((item) => item.substitutions?._WORKSPACE).sort();
    expect(started).toEqual(workspaces);
    for (const id of workspaces) {
      const document = (await crashing.ports.store.get(
        crashing.state.paths.workspace(id),
      )) as unknown as WorkspaceDocument;
      expect(document.running?.build).toBe(
        cloudBuild.builds.find((item) => item.substitutions?._WORKSPACE === id)?.id,
      );
    }
  });

  it('records the builds that started when one of a message fails, and retries only that one', async () => {
    const [first] = commits as [string];
    const backend = pipeline.ports.builds;
    let failing: string | undefined;
    const recordedAtRetry: (string | null | undefined)[] = [];
    const flaky = await createTestPipeline(repository.directory, {
      apply: true,
      builds: () => ({
        async submit(request) {
          if (failing === undefined) {
            failing = request.workspace;
            throw new Error('Cloud Build is unavailable');
          }
          if (request.workspace === failing) {
            const deltas = (await flaky.state.commit(first))?.stages.deltas?.workspaces ?? [];
            for (const id of deltas.filter((workspace) => workspace !== failing)) {
              const document = (await flaky.ports.store.get(
                flaky.state.paths.workspace(id),
              )) as unknown as WorkspaceDocument;
              recordedAtRetry.push(document.running?.build);
            }
          }
          return backend.submit(request);
        },
      }),
    });
    await flaky.push({ after: first });
    expect(flaky.bus.deadLetters).toEqual([]);
    const workspaces = (await flaky.state.commit(first))?.stages.deltas?.workspaces ?? [];
    expect(workspaces.length).toBeGreaterThan(1);
    // When the failed one was tried again, every other build was already recorded.
    expect(recordedAtRetry).toHaveLength(workspaces.length - 1);
    expect(recordedAtRetry.every((build) => typeof build === 'string')).toBe(true);
    const started = cloudBuild.builds.map((item) => item.substitutions?._WORKSPACE).sort();
    expect(started).toEqual(workspaces);
  });

  it('never starts a second Cloud Build for a redelivered build request', async () => {
    const [first] = commits as [string];
    await pipeline.push({ after: first });
    const before = cloudBuild.builds.length;
    await pipeline.push({ after: first, delivery: 'again' });
    expect(cloudBuild.builds).toHaveLength(before);
    expect(new Set(cloudBuild.builds.map((item) => item.substitutions?._WORKSPACE)).size).toBe(
      before,
    );
  });
});
