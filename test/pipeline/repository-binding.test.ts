import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_SUBSTITUTIONS,
  CLOUD_BUILDS_TOPIC,
} from '../../shared/core/contracts/build-notification.ts';
import { PUSH_TOPIC } from '../../shared/core/contracts/push-message.ts';
import type { StageOutcome } from '../../shared/pipeline/stage.ts';
import type { WorkspaceDocument } from '../../shared/pipeline/state-documents.ts';
import { baseOrganization } from '../support/base-organization.ts';
import {
  createTestPipeline,
  GOVERNED_TEST_REPOSITORY,
  TEST_REPOSITORY,
  type TestPipeline,
} from '../support/embedded-pipeline.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';

const ZERO = '0'.repeat(40);

describe('the pipeline processes the governed repository only', () => {
  let repository: TestRepository;
  let base: string;

  beforeAll(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(baseOrganization));
    base = await repository.commit('The base organization');
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
  });

  /** Publishes a push message as given and runs the pipeline until it is idle. */
  async function deliver(pipeline: TestPipeline, message: object): Promise<StageOutcome[]> {
    await pipeline.bus.publish(PUSH_TOPIC, {
      delivery: 'push-1',
      ref: 'refs/heads/main',
      before: ZERO,
      after: base,
      forced: false,
      created: true,
      deleted: false,
      pusher: 'octocat',
      ...message,
    });
    return (await pipeline.bus.drain()).map((delivery) => delivery.outcome as StageOutcome);
  }

  it('refuses at parse a push of a repository created under the governed one’s name', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    const outcomes = await deliver(pipeline, {
      version: 2,
      repository: { ...TEST_REPOSITORY, id: GOVERNED_TEST_REPOSITORY.id + 1 },
    });
    expect(outcomes).toEqual([
      {
        status: 'rejected',
        detail: 'a push of acme/platform#43, which is not the governed repository acme/platform#42',
      },
    ]);
    expect(await pipeline.ports.store.list('repositories')).toEqual([]);
    expect(pipeline.reporter.reports.size).toBe(0);
    expect(pipeline.submissions).toEqual([]);
  });

  it('keeps the state and the Terraform state of a renamed repository where they were', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    await pipeline.push({ after: base });
    const renamed = { owner: 'acme-freight', name: 'manifests', defaultBranch: 'main' };
    await repository.write({ 'README.md': 'Renamed.\n' });
    const next = await repository.commit('The repository is renamed');
    await deliver(pipeline, {
      version: 2,
      delivery: 'push-2',
      repository: { ...renamed, id: GOVERNED_TEST_REPOSITORY.id },
      before: base,
      after: next,
      created: false,
    });
    const repositories = await pipeline.ports.store.list('repositories');
    expect(repositories.map((entry) => entry.id)).toEqual(['42']);
    expect(repositories[0]?.data).toMatchObject({
      owner: 'acme-freight',
      name: 'manifests',
      id: 42,
      current: { commit: next, sequence: 2 },
    });
    // Every build of the first push kept its state under the id.
    expect(pipeline.submissions.length).toBeGreaterThan(0);
    for (const submission of pipeline.submissions) {
      expect(submission.repository).toEqual(GOVERNED_TEST_REPOSITORY);
      const root = JSON.parse(submission.rootModule) as {
        terraform: { backend: { gcs: { prefix: string } } };
      };
      expect(root.terraform.backend.gcs.prefix).toBe(`workspaces/42/${submission.workspace}`);
    }
  });

  it('still parses a version 1 push of the governed name, sent before pushes carried the id', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    const outcomes = await deliver(pipeline, { version: 1, repository: TEST_REPOSITORY });
    expect(outcomes[0]).toMatchObject({ status: 'done' });
    expect((await pipeline.state.repositoryDocument()).current).toMatchObject({ commit: base });
    expect(pipeline.state.paths.repository).toBe('repositories/42');

    const other = await createTestPipeline(repository.directory);
    const refused = await deliver(other, {
      version: 1,
      repository: { ...TEST_REPOSITORY, name: 'website' },
    });
    expect(refused).toMatchObject([{ status: 'rejected' }]);
  });

  it('ignores the build notifications of another repository’s pipeline', async () => {
    const pipeline = await createTestPipeline(repository.directory);
    await pipeline.push({ after: base });
    const [submission] = pipeline.submissions;
    if (submission === undefined) throw new Error('no build was submitted');
    const workspaces = await pipeline.ports.store.list(pipeline.state.paths.workspaces);
    await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, {
      id: 'other-build',
      status: 'SUCCESS',
      substitutions: {
        [BUILD_SUBSTITUTIONS.repository]: 'acme/platform',
        [BUILD_SUBSTITUTIONS.repositoryId]: '43',
        [BUILD_SUBSTITUTIONS.workspace]: submission.workspace,
        [BUILD_SUBSTITUTIONS.commit]: base,
        [BUILD_SUBSTITUTIONS.sequence]: '1',
        [BUILD_SUBSTITUTIONS.apply]: 'true',
      },
    });
    const outcomes = (await pipeline.bus.drain()).map((delivery) => delivery.outcome);
    expect(outcomes).toEqual([{ status: 'skipped', detail: 'a build of acme/platform' }]);
    expect(await pipeline.ports.store.list(pipeline.state.paths.workspaces)).toEqual(workspaces);
    const applied = workspaces.map(
      (entry) => (entry.data as unknown as WorkspaceDocument).lastApplied,
    );
    expect(applied.every((pointer) => pointer === null)).toBe(true);
  });
});
