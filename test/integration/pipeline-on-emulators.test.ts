import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import { systemClock } from '../../shared/adapters/system-clock.ts';
import { CLOUD_BUILDS_TOPIC } from '../../shared/core/contracts/build-notification.ts';
import { PUSH_TOPIC, type PushMessage } from '../../shared/core/contracts/push-message.ts';
import { RepositoryState } from '../../shared/pipeline/repository-state.ts';
import type { PipelinePorts } from '../../shared/pipeline/stage.ts';
import type {
  BuildDocument,
  CommitDocument,
  EventDocument,
  WorkspaceDocument,
} from '../../shared/pipeline/state-documents.ts';
import { unstagedOrganization } from '../support/base-organization.ts';
import {
  EMULATOR_STARTUP_TIMEOUT_MS,
  emulatorHost,
  emulatorUnavailable,
  uniqueName,
} from '../support/emulators.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import {
  deliverWebhook,
  GITHUB_REPOSITORY_ID,
  signedPushWebhook,
  type Webhook,
} from '../support/github-webhook.ts';
import { startEmulatorPipeline, type EmulatorPipeline } from '../support/emulator-pipeline.ts';
import type { LoopbackCloudBuild } from '../support/loopback-cloud-build.ts';
import type { LoopbackGitHub } from '../support/loopback-github.ts';
import type { PushedFunctions } from '../support/pushed-functions.ts';

const SUITE = 'the pipeline on the Firestore and Pub/Sub emulators';
const unavailable = emulatorUnavailable('firestore', SUITE) ?? emulatorUnavailable('pubsub', SUITE);

const SECRET = 'pipeline-webhook-secret';
const REPOSITORY = { owner: 'acme', name: 'platform', defaultBranch: 'main' } as const;
const GOVERNED = { owner: 'acme', name: 'platform', id: GITHUB_REPOSITORY_ID } as const;
const ZERO = '0'.repeat(40);
/** Generous: every hop is a real HTTP push from the emulator on a loaded two-core machine. */
const SETTLE_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = SETTLE_TIMEOUT_MS + 30_000;
const POLL_INTERVAL_MS = 250;
const SHOP_PROJECT = 'payments/production/shop/project.yaml';
const SHOP_DATABASE = 'payments/production/shop/database.yaml';
const SHOP_ALLOWANCE = `  lifecycle:
    allowReplacement: Moving with the VPN; restored from the last backup
`;

/**
 * The whole pipeline as it runs in Google Cloud, every part real but on loopback: ingest and
 * each stage behind its own Functions Framework server, Pub/Sub push subscriptions between
 * them, state in Firestore, GitHub and Cloud Build through their real clients. The tests
 * run in order and build on each other: a first push, the CODEOWNERS commit it causes, the
 * builds it started ending, and a repeated delivery.
 */
describe.skipIf(unavailable !== undefined)(SUITE, () => {
  /** Every message ingest published, as a subscriber of the `push` topic saw it. */
  const published: PushMessage[] = [];
  const projectId = uniqueName('pipeline');
  let repository: TestRepository;
  let running: EmulatorPipeline;
  let github: LoopbackGitHub;
  let cloudBuild: LoopbackCloudBuild;
  let store: FirestoreDocumentStore;
  let functions: PushedFunctions;
  let ports: PipelinePorts;
  let state: RepositoryState;
  let ingestUrl: string;
  let base: string;
  let first: Webhook;
  let second: Webhook;

  beforeAll(async () => {
    const [firestoreHost, pubsubHost] = await Promise.all([
      emulatorHost('firestore'),
      emulatorHost('pubsub'),
    ]);
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    base = await repository.commit('The base organization');
    running = await startEmulatorPipeline({
      directory: repository.directory,
      repository: GOVERNED,
      firestoreHost,
      pubsubHost,
      projectId,
      topicPrefix: `${uniqueName('pipeline')}-`,
      webhookSecret: SECRET,
      maxBodyBytes: 1024 * 1024,
    });
    ({ github, cloudBuild, functions, ingestUrl, firestore: store } = running);
    ports = running.pipeline.ports;
    state = new RepositoryState(store, { ...REPOSITORY, id: GOVERNED.id }, systemClock);
    await functions.tap(PUSH_TOPIC, (message) => published.push(message as PushMessage));
  }, EMULATOR_STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    await running.close();
    await rm(repository.directory, { recursive: true, force: true });
  });

  /** A signed push webhook of `after`, with its commit message read from the repository. */
  async function webhook(push: {
    before: string;
    after: string;
    ref?: string;
    id?: number;
  }): Promise<Webhook> {
    const message = (await repository.git('log', '-1', '--format=%s', push.after)).trim();
    return signedPushWebhook(SECRET, {
      ...REPOSITORY,
      ...(push.id === undefined ? {} : { id: push.id }),
      ref: push.ref ?? 'refs/heads/main',
      before: push.before,
      after: push.after,
      message,
    });
  }

  const send = (hook: Webhook) => deliverWebhook(ingestUrl, hook);

  /** Polls until `probe` finds what it is looking for; the failure says what never came. */
  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  async function documents<T>(collection: string): Promise<T[]> {
    return (await store.list(collection)).map((entry) => entry.data as T);
  }

  /** The commit document once deltas is done and every affected workspace has its build. */
  async function settled(sha: string): Promise<CommitDocument> {
    return until(`record, deltas and builds of ${sha}`, async () => {
      const commit = await state.commit(sha);
      const deltas = commit?.stages.deltas;
      // Record hands the revision on before it marks the commit recorded: deltas may end first.
      if (deltas === undefined || commit?.stages.record === undefined) return undefined;
      for (const workspace of deltas.workspaces) {
        const build = (await store.get(state.paths.build(workspace, sha))) as
          BuildDocument | undefined;
        if (build?.build == null) return undefined;
      }
      return commit;
    });
  }

  const buildsAt = (sha: string) =>
    cloudBuild.builds.filter((build) => build.substitutions?._COMMIT === sha);

  it(
    'validates, records, builds and reports a signed push of main',
    async () => {
      first = await webhook({ before: ZERO, after: base });
      expect(await send(first)).toEqual({ status: 202, body: { accepted: true, action: 'apply' } });
      const commit = await settled(base);

      expect(await store.get(`deliveries/${first.delivery}`)).toMatchObject({
        event: 'push',
        repository: 'acme/platform',
        repositoryId: GITHUB_REPOSITORY_ID,
        ref: 'refs/heads/main',
        after: base,
      });
      const revision = await ports.revisions.load(REPOSITORY, base);
      const workspaces = [...revision.analysis.state.workspaces].sort();
      expect(workspaces.length).toBeGreaterThan(0);
      expect(commit).toMatchObject({ commit: base, delivery: first.delivery, pusher: 'octocat' });
      // Keyed by GitHub's id, so that a rename keeps the state.
      expect(state.paths.repository).toBe(`repositories/${String(GITHUB_REPOSITORY_ID)}`);
      expect(commit.stages.parse).toMatchObject({ status: 'passed', errors: 0 });
      expect(commit.stages.record).toMatchObject({ status: 'recorded', sequence: 1 });
      expect(commit.stages.deltas).toMatchObject({ sequence: 1, codeowners: 'committed' });
      expect([...(commit.stages.deltas?.workspaces ?? [])].sort()).toEqual(workspaces);
      expect((await state.repositoryDocument()).current).toMatchObject({
        commit: base,
        sequence: 1,
      });
      const resources = await documents<{ id: string }>(state.paths.resources);
      expect(resources.map((resource) => resource.id).sort()).toEqual(
        [...revision.analysis.state.nodes.keys()].sort(),
      );

      // One Cloud Build per workspace, traceable to it by its substitutions.
      expect(cloudBuild.builds.map((build) => build.substitutions?._WORKSPACE).sort()).toEqual(
        workspaces,
      );
      for (const build of cloudBuild.builds) {
        expect(build.substitutions).toMatchObject({
          _REPOSITORY: 'acme/platform',
          _REPOSITORY_ID: String(GITHUB_REPOSITORY_ID),
          _COMMIT: base,
          _SEQUENCE: '1',
          _APPLY: 'true',
        });
        const workspace = build.substitutions?._WORKSPACE ?? '';
        expect(await store.get(state.paths.build(workspace, base))).toMatchObject({
          status: 'QUEUED',
          build: build.id,
        });
      }

      // The regenerated CODEOWNERS, committed by the App on top of the pushed commit.
      const tip = (await repository.git('rev-parse', 'refs/heads/main')).trim();
      expect(tip).not.toBe(base);
      expect((await repository.git('rev-parse', `${tip}^@`)).trim()).toBe(base);
      expect(await repository.git('show', `${tip}:.github/CODEOWNERS`)).toBe(
        revision.analysis.codeowners.text,
      );

      const checks = github.checkRuns.runs.filter((run) => run.head_sha === base);
      expect(checks.find((run) => run.name === 'infrastream/validate')).toMatchObject({
        status: 'completed',
        conclusion: 'success',
      });
      expect(checks.find((run) => run.name === 'infrastream/plan')).toMatchObject({
        status: 'completed',
        conclusion: 'success',
      });
      expect(checks.find((run) => run.name === 'infrastream/plan')?.title).toMatch(
        /^Plan: .*; applying \(infrastream\/apply\)$/,
      );
      // Opened by deltas on Firestore; edited as the builds' notifications arrive.
      expect(checks.filter((run) => run.name === 'infrastream/apply')).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'records the CODEOWNERS commit as a revision that changes nothing',
    async () => {
      const codeowners = (await repository.git('rev-parse', 'refs/heads/main')).trim();
      const builds = cloudBuild.builds.length;
      second = await webhook({ before: base, after: codeowners });
      expect(await send(second)).toEqual({
        status: 202,
        body: { accepted: true, action: 'apply' },
      });
      const commit = await settled(codeowners);

      expect(commit.stages.record).toMatchObject({ status: 'recorded', sequence: 2 });
      expect(commit.stages.deltas).toMatchObject({
        sequence: 2,
        workspaces: [],
        codeowners: 'unchanged',
      });
      expect((await state.repositoryDocument()).current).toMatchObject({
        commit: codeowners,
        sequence: 2,
      });
      expect(await documents(`${state.paths.revision(2)}/changes`)).toEqual([]);
      expect(cloudBuild.builds).toHaveLength(builds);
      expect((await repository.git('rev-parse', 'refs/heads/main')).trim()).toBe(codeowners);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "advances each workspace's applied revision on Cloud Build's notification",
    async () => {
      const started = buildsAt(base);
      expect(started.length).toBeGreaterThan(0);
      const notifications = functions.topic(CLOUD_BUILDS_TOPIC);
      for (const build of started) {
        // As Cloud Build publishes: the Build resource as JSON, its id and status as attributes.
        await notifications.publishMessage({
          json: { ...build, status: 'SUCCESS', finishTime: new Date().toISOString() },
          attributes: { buildId: build.id, status: 'SUCCESS' },
        });
      }
      for (const build of started) {
        const workspace = build.substitutions?._WORKSPACE ?? '';
        const document = await until(`the applied revision of ${workspace}`, async () => {
          const found = (await store.get(state.paths.workspace(workspace))) as
            WorkspaceDocument | undefined;
          return found?.lastApplied == null ? undefined : found;
        });
        expect(document).toMatchObject({
          lastApplied: { commit: base, sequence: 1, build: build.id },
          running: null,
          pending: null,
        });
        expect(await store.get(state.paths.build(workspace, base))).toMatchObject({
          status: 'SUCCESS',
        });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'answers a repeated delivery as a duplicate and does nothing more',
    async () => {
      const delivered = await store.get(`deliveries/${first.delivery}`);
      const builds = cloudBuild.builds.length;
      expect(await send(first)).toEqual({ status: 200, body: { duplicate: true } });

      // A tag push after it, recorded and never applied, as a barrier: ingest answers only
      // once it has published, so a message for the repeated delivery would be on the topic
      // before the tag's (Pub/Sub promises no order without ordering keys; the emulator
      // delivers in publish order).
      const marker = await webhook({ before: ZERO, after: base, ref: 'refs/tags/v1' });
      expect(await send(marker)).toEqual({
        status: 202,
        body: { accepted: true, action: 'record' },
      });
      await until('the tag push to be recorded', async () => {
        const events = await documents<EventDocument>(state.paths.events);
        return events.find((event) => event.delivery === marker.delivery);
      });
      await until('the tag push on the push topic', () =>
        Promise.resolve(published.find((message) => message.delivery === marker.delivery)),
      );

      expect(published.map((message) => message.delivery).sort()).toEqual(
        [first.delivery, second.delivery, marker.delivery].sort(),
      );
      expect(await store.get(`deliveries/${first.delivery}`)).toEqual(delivered);
      expect(cloudBuild.builds).toHaveLength(builds);
      expect((await state.commit(base))?.delivery).toBe(first.delivery);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses a push of a repository created under the same name, and never parses it',
    async () => {
      const builds = cloudBuild.builds.length;
      const namesake = await webhook({ before: ZERO, after: base, id: GITHUB_REPOSITORY_ID + 1 });
      expect(await send(namesake)).toEqual({
        status: 403,
        body: {
          error: 'not the repository this pipeline governs',
          repository: `acme/platform#${String(GITHUB_REPOSITORY_ID + 1)}`,
        },
      });
      expect(await store.get(`deliveries/${namesake.delivery}`)).toMatchObject({
        repository: 'acme/platform',
        repositoryId: GITHUB_REPOSITORY_ID + 1,
        refused: `acme/platform#${String(GITHUB_REPOSITORY_ID + 1)} is not the repository this pipeline governs`,
      });

      // A tag push after it as a barrier, as above: the refused push would be on the topic first.
      const marker = await webhook({ before: ZERO, after: base, ref: 'refs/tags/v2' });
      expect((await send(marker)).status).toBe(202);
      await until('the second tag push on the push topic', () =>
        Promise.resolve(published.find((message) => message.delivery === marker.delivery)),
      );
      expect(published.map((message) => message.delivery)).not.toContain(namesake.delivery);
      const events = await documents<EventDocument>(state.paths.events);
      expect(events.filter((event) => event.delivery === namesake.delivery)).toEqual([]);
      expect((await store.list('repositories')).map((entry) => entry.id)).toEqual([
        String(GITHUB_REPOSITORY_ID),
      ]);
      expect(cloudBuild.builds).toHaveLength(builds);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'records a revision its plan refuses, builds nothing of it, and plans the next against the last accepted one',
    async () => {
      const accepted = (await repository.git('rev-parse', 'refs/heads/main')).trim();
      // The App committed CODEOWNERS on the branch: the next commits go on top of it.
      await repository.git('reset', '--quiet', '--hard', accepted);
      const project = await readFile(join(repository.directory, SHOP_PROJECT), 'utf8');
      const database = await readFile(join(repository.directory, SHOP_DATABASE), 'utf8');
      const builds = cloudBuild.builds.length;
      await repository.write({
        [SHOP_PROJECT]: project.replace('region: europe-west1', 'region: europe-west4'),
      });
      const refused = await repository.commit('The shop moves to europe-west4');
      expect((await send(await webhook({ before: accepted, after: refused }))).status).toBe(202);
      const refusedCommit = await settled(refused);
      expect(refusedCommit.stages.record).toMatchObject({ status: 'recorded', sequence: 3 });
      expect(refusedCommit.stages.deltas).toMatchObject({
        sequence: 3,
        workspaces: [],
        base: accepted,
      });
      expect(refusedCommit.stages.deltas?.refused?.issues.map((issue) => issue.rule)).toContain(
        'lifecycle/replaces-data',
      );
      // Recorded, and current, for operators to see; nothing of it built.
      expect((await state.repositoryDocument()).current).toMatchObject({
        commit: refused,
        sequence: 3,
      });
      expect(cloudBuild.builds).toHaveLength(builds);

      await repository.write({ [SHOP_DATABASE]: `${database}${SHOP_ALLOWANCE}` });
      const fixed = await repository.commit('The shop moves, its database allowed to');
      expect((await send(await webhook({ before: refused, after: fixed }))).status).toBe(202);
      const fixedCommit = await settled(fixed);
      expect(fixedCommit.stages.record).toMatchObject({
        status: 'recorded',
        sequence: 4,
        previous: refused,
      });
      // Against the refused revision the fix would only add the allowance: the move, and the
      // database it replaces, would never be planned or applied.
      expect(fixedCommit.stages.deltas).toMatchObject({
        sequence: 4,
        workspaces: ['payments.production.shop'],
        base: accepted,
      });
      expect(fixedCommit.stages.deltas?.refused).toBeUndefined();
      const delta = (await store.get(state.paths.delta(fixed, 'payments.production.shop'))) as
        { replace?: number } | undefined;
      expect(delta?.replace).toBeGreaterThan(0);
      expect(buildsAt(fixed).map((build) => build.substitutions?._WORKSPACE)).toEqual([
        'payments.production.shop',
      ]);
    },
    TEST_TIMEOUT_MS,
  );
});
