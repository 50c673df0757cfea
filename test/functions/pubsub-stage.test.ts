import { rm } from 'node:fs/promises';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { PUBSUB_MESSAGE_PUBLISHED } from '../../functions/pubsub-event.ts';
import { pubsubStage } from '../../functions/pubsub-stage.ts';
import { MemoryPublisher } from '../../shared/adapters/memory-publisher.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import type { PushMessage } from '../../shared/core/contracts/push-message.ts';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import { createPipeline, type Pipeline } from '../../shared/pipeline/create-pipeline.ts';
import { RepositoryState } from '../../shared/pipeline/repository-state.ts';
import { unstagedOrganization } from '../support/base-organization.ts';
import {
  GOVERNED_TEST_REPOSITORY,
  steppingClock,
  TEST_REPOSITORY,
} from '../support/embedded-pipeline.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import {
  startLoopbackGitHub,
  type LoopbackGitHub,
  type Reply,
} from '../support/loopback-github.ts';
import {
  loopbackCloudBuildService,
  loopbackGitHubPorts,
} from '../support/loopback-pipeline-ports.ts';
import {
  startLoopbackCloudBuild,
  type LoopbackCloudBuild,
} from '../support/loopback-cloud-build.ts';

/**
 * The parse function as Cloud Functions runs it: `pubsubStage` over the guarded stage, with
 * GitHub through its real client against a loopback server. What Pub/Sub does next depends
 * on whether the function returns (acknowledged) or throws (delivered again), and what an
 * operator sees is the one JSON line it logs.
 */
describe('a Pub/Sub stage function and the class of its failure', () => {
  let repository: TestRepository;
  let github: LoopbackGitHub;
  let cloudBuild: LoopbackCloudBuild;
  let base: string;
  let pipeline: Pipeline;
  let logged: MockInstance<typeof console.log>;

  beforeEach(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    base = await repository.commit('The base organization');
    github = await startLoopbackGitHub({ directory: repository.directory });
    cloudBuild = await startLoopbackCloudBuild();
    pipeline = createPipeline({
      repository: GOVERNED_TEST_REPOSITORY,
      store: new SqliteDocumentStore({ file: ':memory:' }),
      publisher: new MemoryPublisher(),
      ...loopbackGitHubPorts(github),
      builds: loopbackCloudBuildService(cloudBuild),
      clock: steppingClock(),
      render: exampleRenderConfig,
      apply: true,
    });
    logged = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    logged.mockRestore();
    await cloudBuild.close();
    await github.close();
    await rm(repository.directory, { recursive: true, force: true });
  });

  /** A push of `after` as ingest publishes it, in the CloudEvent Eventarc delivers. */
  function pushEvent(after: string): CloudEvent<unknown> {
    const push: PushMessage = {
      version: 2,
      delivery: 'delivery-1',
      repository: { ...TEST_REPOSITORY, id: GOVERNED_TEST_REPOSITORY.id },
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after,
      forced: false,
      created: false,
      deleted: false,
      pusher: 'octocat',
    };
    const data = Buffer.from(JSON.stringify(push)).toString('base64');
    return {
      specversion: '1.0',
      id: 'event-1',
      source: '//pubsub.googleapis.com/projects/p/topics/infrastream-push',
      type: PUBSUB_MESSAGE_PUBLISHED,
      data: { message: { data, messageId: '1' }, subscription: 's' },
    };
  }

  /** The function, its reads of git data answered with `reply` instead. */
  function parseFunction(reply?: () => Reply) {
    github.answerInstead = (request) =>
      reply !== undefined && request.path.includes('/git/') ? reply() : undefined;
    return pubsubStage('parse', () => pipeline.stage('parse'));
  }

  function lines(): Record<string, unknown>[] {
    return logged.mock.calls.map((call) => JSON.parse(String(call[0])) as Record<string, unknown>);
  }

  it('acknowledges a permanent failure, records it on the commit and logs it as an error', async () => {
    const handler = parseFunction(() => ({ status: 404, body: { message: 'Not Found' } }));

    const outcome = await handler(pushEvent(base));

    expect(outcome.status).toBe('rejected');
    expect(lines()).toEqual([
      expect.objectContaining({
        severity: 'ERROR',
        stage: 'parse',
        status: 'rejected',
        detail: expect.stringMatching(
          /^parse failed for good: .*not found \(404: Not Found/,
        ) as unknown,
      }),
    ]);
    const state = new RepositoryState(
      pipeline.ports.store,
      { ...TEST_REPOSITORY, id: 42 },
      pipeline.ports.clock,
    );
    expect((await state.commit(base))?.failures?.parse?.reason).toMatch(/not found \(404/);
  });

  it('gives a transient failure back to Pub/Sub, logged as a warning', async () => {
    const handler = parseFunction(() => ({ status: 503, body: { message: 'Unavailable' } }));

    await expect(handler(pushEvent(base))).rejects.toMatchObject({ kind: 'transient' });

    expect(lines()).toEqual([
      expect.objectContaining({
        severity: 'WARNING',
        stage: 'parse',
        status: 'retried',
        failure: 'transient',
        detail: expect.stringMatching(
          /GitHub answered 503: Unavailable.*: retried by Pub\/Sub$/,
        ) as unknown,
        message: expect.objectContaining({ after: base }) as unknown,
      }),
    ]);
  });

  it('gives a rate limit back to Pub/Sub, saying when a retry may succeed', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 1;
    const handler = parseFunction(() => ({
      status: 429,
      body: { message: 'API rate limit exceeded' },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
    }));

    await expect(handler(pushEvent(base))).rejects.toMatchObject({ kind: 'rate-limited' });

    const resetAt = new Date(reset * 1000).toISOString();
    expect(lines()).toEqual([
      expect.objectContaining({
        severity: 'WARNING',
        failure: 'rate-limited',
        retryAt: resetAt,
        detail: expect.stringContaining(`a retry may succeed from ${resetAt}`) as unknown,
      }),
    ]);
  });

  it('gives an unknown error back to Pub/Sub, logged as an error with its stack', async () => {
    const handler = pubsubStage('parse', () => () => Promise.reject(new TypeError('a bug')));

    await expect(handler(pushEvent(base))).rejects.toThrow('a bug');

    expect(lines()).toEqual([
      expect.objectContaining({
        severity: 'ERROR',
        failure: 'unknown',
        detail: 'a bug: retried by Pub/Sub',
        stack: expect.stringContaining('TypeError: a bug') as unknown,
      }),
    ]);
  });
});
