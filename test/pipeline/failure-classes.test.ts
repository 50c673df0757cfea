import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  BuildDocument,
  CommitDocument,
  EventDocument,
  WorkspaceDocument,
} from '../../shared/pipeline/state-documents.ts';
import { BUILDS_TOPIC } from '../../shared/core/contracts/build-request-message.ts';
import { unstagedOrganization } from '../support/base-organization.ts';
import {
  createTestPipeline,
  TEST_REPOSITORY,
  type TestPipeline,
} from '../support/embedded-pipeline.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import {
  startLoopbackCloudBuild,
  type LoopbackCloudBuild,
} from '../support/loopback-cloud-build.ts';
import {
  startLoopbackGitHub,
  type LoopbackGitHub,
  type Reply,
} from '../support/loopback-github.ts';
import {
  loopbackCloudBuildService,
  loopbackGitHubPorts,
} from '../support/loopback-pipeline-ports.ts';

const REPOSITORY_PATH = '/repos/acme/platform/';
/** Longer than any test here needs: the bounded waits are what is under test. */
const SLOW_MS = 30_000;

/**
 * What the stages do with each class of failure, through the embedded pipeline: its
 * in-process bus, the real stages guarded as every runner runs them, and GitHub through its
 * real client against a loopback server that answers what a test makes it say.
 */
describe('the stages act on the class of a failure', () => {
  let repository: TestRepository;
  let github: LoopbackGitHub;
  let base: string;

  beforeEach(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    base = await repository.commit('The base organization');
    github = await startLoopbackGitHub({ directory: repository.directory });
  });

  afterEach(async () => {
    await github.close();
    await rm(repository.directory, { recursive: true, force: true });
  });

  /** The embedded pipeline reading from and reporting to the loopback GitHub. */
  function pipelineOnGitHub(options: Parameters<typeof createTestPipeline>[1] = {}) {
    return createTestPipeline(repository.directory, {
      github: loopbackGitHubPorts(github),
      ...options,
    });
  }

  /** Answers the first `times` reads of the repository's git data with `reply`, noting when. */
  function failGitReads(reply: (at: number) => Reply, times = 1) {
    const reads: { at: number; failed: boolean }[] = [];
    github.answerInstead = (request) => {
      if (!request.path.startsWith(`${REPOSITORY_PATH}git/`)) return undefined;
      const at = Date.now();
      const failed = reads.filter((read) => read.failed).length < times;
      reads.push({ at, failed });
      return failed ? reply(at) : undefined;
    };
    return reads;
  }

  async function commitDocument(pipeline: TestPipeline, sha: string) {
    return (await pipeline.state.commit(sha)) as CommitDocument;
  }

  it(
    'records a permanent failure (GitHub 404) on the commit, acknowledges it once and reports it',
    async () => {
      const pipeline = await pipelineOnGitHub({ apply: false });
      const missing = 'f'.repeat(40);

      const outcomes = await pipeline.push({ after: missing, delivery: 'gone' });

      expect(outcomes).toEqual([
        {
          status: 'rejected',
          detail: expect.stringMatching(
            new RegExp(
              `^parse failed for good: reading the tree of acme/platform at ${missing}: not found \\(404: `,
            ),
          ) as unknown,
        },
      ]);
      expect(pipeline.bus.deadLetters).toEqual([]);
      // Asked once: a 404 is not asked again.
      const reads = github.requests.filter(
        (request) =>
          request.path.startsWith(`${REPOSITORY_PATH}git/`) && request.path.includes(missing),
      );
      expect(reads).toHaveLength(1);

      const commit = await commitDocument(pipeline, missing);
      expect(commit).toMatchObject({ commit: missing, delivery: 'gone', stages: {} });
      expect(commit.failures?.parse?.reason).toMatch(/not found \(404: Not Found/);
      const events = (await pipeline.ports.store.list(pipeline.state.paths.events)).map(
        (entry) => entry.data as unknown as EventDocument,
      );
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'stage-failed',
          commit: missing,
          message: expect.stringMatching(/^parse failed for good at fffffff: /) as unknown,
        }),
      );
      // The author would be told through the check, which GitHub refuses for a commit it
      // lacks: the failure says so, and is acknowledged all the same.
      expect(github.requests.map((request) => request.path)).toContain(
        `${REPOSITORY_PATH}commits/${missing}/check-runs`,
      );
      expect(outcomes[0]?.detail).toMatch(/\(the infrastream\/validate check not reported: .*\)$/);
    },
    SLOW_MS,
  );

  it('lets the workspaces go when builds can never read the revision it was asked to build', async () => {
    const pipeline = await pipelineOnGitHub();
    failGitReads(() => ({ status: 404, body: { message: 'Not Found' } }), Infinity);
    const workspace = 'payments.production.shop';

    await pipeline.bus.publish(BUILDS_TOPIC, {
      version: 2,
      repository: TEST_REPOSITORY,
      workspaces: [workspace],
      commit: base,
      sequence: 1,
      apply: true,
    });
    const [outcome] = (await pipeline.bus.drain()).map((delivery) => delivery.outcome);

    expect(outcome).toMatchObject({
      status: 'rejected',
      detail: expect.stringMatching(/^the build was refused: .*not found \(404/) as unknown,
    });
    expect(pipeline.bus.deadLetters).toEqual([]);
    expect(
      await pipeline.ports.store.get(pipeline.state.paths.build(workspace, base)),
    ).toMatchObject({
      status: 'refused',
      reason: expect.stringMatching(/not found \(404/) as unknown,
    });
    expect(await pipeline.ports.store.get(pipeline.state.paths.workspace(workspace))).toMatchObject(
      { running: null },
    );
    expect(pipeline.submissions).toEqual([]);
  });

  it(
    'retries a transient failure (GitHub 503) after a backoff, and then succeeds',
    async () => {
      const pipeline = await pipelineOnGitHub({ retry: { firstDelayMs: 200 } });
      const reads = failGitReads(() => ({
        status: 503,
        body: { message: 'Service Unavailable' },
      }));

      const outcomes = await pipeline.push({ after: base });

      expect(outcomes.every((outcome) => outcome.status === 'done')).toBe(true);
      expect(pipeline.bus.deadLetters).toEqual([]);
      const [failed, retried] = reads;
      expect(failed?.failed).toBe(true);
      expect(retried?.failed).toBe(false);
      expect((retried?.at ?? 0) - (failed?.at ?? 0)).toBeGreaterThanOrEqual(200);
      expect((await commitDocument(pipeline, base)).stages.parse?.status).toBe('passed');
      expect((await commitDocument(pipeline, base)).failures).toBeUndefined();
    },
    SLOW_MS,
  );

  it(
    'waits for the reset of a rate limit before it asks again, and then succeeds',
    async () => {
      const pipeline = await pipelineOnGitHub();
      let reset = 0;
      const reads = failGitReads((at) => {
        // A second away at least: GitHub names the reset in whole seconds.
        reset = Math.ceil(at / 1000) + 1;
        return {
          status: 403,
          body: { message: 'API rate limit exceeded for installation ID 777.' },
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        };
      });

      const outcomes = await pipeline.push({ after: base });

      expect(outcomes.every((outcome) => outcome.status === 'done')).toBe(true);
      expect(pipeline.bus.deadLetters).toEqual([]);
      expect(reads.map((read) => read.failed).slice(0, 2)).toEqual([true, false]);
      expect(reads[1]?.at).toBeGreaterThanOrEqual(reset * 1000);
    },
    SLOW_MS,
  );
});

describe('builds a backend refuses', () => {
  let repository: TestRepository;
  let cloudBuild: LoopbackCloudBuild;
  let base: string;

  beforeEach(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    base = await repository.commit('The base organization');
    cloudBuild = await startLoopbackCloudBuild();
  });

  afterEach(async () => {
    await cloudBuild.close();
    await rm(repository.directory, { recursive: true, force: true });
  });

  const creations = () => cloudBuild.requests.filter((request) => request.method === 'POST');

  it('records a build Cloud Build refuses as refused, frees its workspace and never retries it', async () => {
    const pipeline = await createTestPipeline(repository.directory, {
      builds: () => loopbackCloudBuildService(cloudBuild),
    });
    cloudBuild.failNext({
      method: 'POST',
      httpStatus: 400,
      status: 'INVALID_ARGUMENT',
      message: 'invalid build: build.steps[0].name must be set',
    });

    const outcomes = await pipeline.push({ after: base });

    expect(pipeline.bus.deadLetters).toEqual([]);
    const workspaces = (await commitDocument(pipeline, base)).stages.deltas?.workspaces ?? [];
    expect(workspaces.length).toBeGreaterThan(1);
    // Every workspace was asked for once: the refused one is not asked again.
    expect(creations()).toHaveLength(workspaces.length);
    expect(cloudBuild.builds).toHaveLength(workspaces.length - 1);
    const builds = (await pipeline.ports.store.list(pipeline.state.paths.builds)).map(
      (entry) => entry.data as unknown as BuildDocument,
    );
    const refused = builds.filter((build) => build.status === 'refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.reason).toMatch(
      /Cloud Build refused creating the build of workspace .* \(INVALID_ARGUMENT 3\): .*must be set/,
    );
    const workspace = (await pipeline.ports.store.get(
      pipeline.state.paths.workspace(refused[0]?.workspace ?? ''),
    )) as WorkspaceDocument | undefined;
    expect(workspace?.running).toBeNull();
    expect(outcomes.at(-1)).toMatchObject({
      status: 'rejected',
      detail: expect.stringMatching(/builds started, 1 refused \(/) as unknown,
    });
  });

  it('starts the revision queued behind a build Cloud Build refused', async () => {
    await repository.write({ 'README.md': 'The platform.\n' });
    const next = await repository.commit('A readme');
    const pipeline = await createTestPipeline(repository.directory, {
      builds: () => loopbackCloudBuildService(cloudBuild),
    });
    const workspace = 'payments.production.shop';
    // An attempt at revision 1 took the workspace and stopped before Cloud Build answered;
    // revision 2 waits behind it.
    await pipeline.ports.store.write([
      {
        kind: 'set',
        path: pipeline.state.paths.workspace(workspace),
        data: {
          id: workspace,
          lastApplied: null,
          running: { commit: base, sequence: 1, build: null },
          pending: { commit: next, sequence: 2 },
          updatedAt: '2026-01-05T09:00:00.000Z',
        },
      },
    ]);
    cloudBuild.failNext({
      method: 'POST',
      httpStatus: 403,
      status: 'PERMISSION_DENIED',
      message: "The caller does not have permission to act as service account 'terraform-builds'",
    });
    const request = {
      version: 2,
      repository: TEST_REPOSITORY,
      workspaces: [workspace],
      apply: true,
    };

    await pipeline.bus.publish(BUILDS_TOPIC, { ...request, commit: base, sequence: 1 });
    const outcomes = (await pipeline.bus.drain()).map((delivery) => delivery.outcome);

    expect(outcomes).toMatchObject([{ status: 'rejected' }, { status: 'done' }]);
    expect(pipeline.submissions.map((build) => build.sequence)).toEqual([1, 2]);
    expect(
      await pipeline.ports.store.get(pipeline.state.paths.build(workspace, base)),
    ).toMatchObject({ status: 'refused' });
    expect(await pipeline.ports.store.get(pipeline.state.paths.workspace(workspace))).toMatchObject(
      {
        running: { commit: next, sequence: 2 },
        pending: null,
      },
    );
  });

  it('starts again a build Cloud Build could not take for a moment', async () => {
    const pipeline = await createTestPipeline(repository.directory, {
      builds: () => loopbackCloudBuildService(cloudBuild),
    });
    cloudBuild.failNext({
      method: 'POST',
      httpStatus: 503,
      status: 'UNAVAILABLE',
      message: 'The service is currently unavailable.',
    });

    await pipeline.push({ after: base });

    expect(pipeline.bus.deadLetters).toEqual([]);
    const workspaces = (await commitDocument(pipeline, base)).stages.deltas?.workspaces ?? [];
    expect(creations()).toHaveLength(workspaces.length + 1);
    expect(cloudBuild.builds).toHaveLength(workspaces.length);
    const builds = (await pipeline.ports.store.list(pipeline.state.paths.builds)).map(
      (entry) => entry.data as unknown as BuildDocument,
    );
    expect(builds.every((build) => build.status === 'QUEUED')).toBe(true);
  });

  async function commitDocument(pipeline: TestPipeline, sha: string) {
    return (await pipeline.state.commit(sha)) as CommitDocument;
  }
});
