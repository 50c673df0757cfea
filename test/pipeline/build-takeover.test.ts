import { rm } from 'node:fs/promises';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { CLOUD_BUILDS_TOPIC } from '../../shared/core/contracts/build-notification.ts';
import { BUILDS_TOPIC } from '../../shared/core/contracts/build-request-message.ts';
import { resumeBuilds } from '../../shared/pipeline/resume-builds.ts';
import type { StageOutcome } from '../../shared/pipeline/stage.ts';
import type {
  BuildDocument,
  EventDocument,
  WorkspaceDocument,
} from '../../shared/pipeline/state-documents.ts';
import type { DocumentStore } from '../../shared/ports/document-store.ts';
import { unstagedOrganization } from '../support/base-organization.ts';
import {
  createTestPipeline,
  GOVERNED_TEST_REPOSITORY,
  TEST_REPOSITORY,
  type TestPipeline,
} from '../support/embedded-pipeline.ts';
import {
  EMULATOR_STARTUP_TIMEOUT_MS,
  emulatorHost,
  emulatorUnavailable,
  uniqueName,
} from '../support/emulators.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import {
  startLoopbackCloudBuild,
  type LoopbackCloudBuild,
} from '../support/loopback-cloud-build.ts';
import { loopbackCloudBuildService } from '../support/loopback-pipeline-ports.ts';

const SHOP = 'payments.production.shop';
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const minutes = (count: number) => new Date(T0 + count * 60_000).toISOString();

/** A clock the test moves: leases expire when the test says so. */
function movableClock() {
  let now = T0;
  return {
    now: () => new Date(now).toISOString(),
    set(iso: string) {
      now = Date.parse(iso);
    },
  };
}

const firestoreUnavailable = emulatorUnavailable(
  'firestore',
  'the build takeover tests on the Firestore emulator',
);
let firestoreHost: string | undefined;

beforeAll(async () => {
  if (firestoreUnavailable === undefined) firestoreHost = await emulatorHost('firestore');
}, EMULATOR_STARTUP_TIMEOUT_MS);

/** The stores the stages run on: the embedded one always, Firestore where its emulator runs. */
const stores: [string, boolean, () => DocumentStore & { close?: () => Promise<void> }][] = [
  ['the embedded store', false, () => new SqliteDocumentStore({ file: ':memory:' })],
  [
    'Firestore on its emulator',
    firestoreUnavailable !== undefined,
    () =>
      new FirestoreDocumentStore({
        projectId: uniqueName('takeover'),
        emulatorHost: firestoreHost ?? '',
      }),
  ],
];

/**
 * A workspace whose running build's holder went unheard is taken over once its lease has
 * expired, by the next request or by a sweep, and the revision is finished without a second
 * build; while the holder's lease holds, nothing takes it.
 */
describe.each(stores)('taking over a build on %s', (_name, skip, makeStore) => {
  let repository: TestRepository;
  let cloudBuild: LoopbackCloudBuild;
  let store: DocumentStore & { close?: () => Promise<void> };
  let clock: ReturnType<typeof movableClock>;
  let pipeline: TestPipeline;
  let base: string;

  beforeEach(async (context) => {
    if (skip) {
      context.skip();
      return;
    }
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    base = await repository.commit('The base organization');
    cloudBuild = await startLoopbackCloudBuild();
    store = makeStore();
    clock = movableClock();
    pipeline = await createTestPipeline(repository.directory, {
      apply: true,
      store,
      clock,
      builds: () => loopbackCloudBuildService(cloudBuild),
    });
  });

  afterEach(async () => {
    if (skip) return;
    await store.close?.();
    await cloudBuild.close();
    await rm(repository.directory, { recursive: true, force: true });
  });

  const workspace = async (id: string) =>
    (await store.get(pipeline.state.paths.workspace(id))) as unknown as WorkspaceDocument;
  const build = async (id: string, commit: string) =>
    (await store.get(pipeline.state.paths.build(id, commit))) as unknown as BuildDocument;
  const shopBuilds = () =>
    cloudBuild.builds.filter((item) => item.substitutions?._WORKSPACE === SHOP);

  async function requestShop(): Promise<StageOutcome[]> {
    await pipeline.bus.publish(BUILDS_TOPIC, {
      version: 2,
      repository: TEST_REPOSITORY,
      workspaces: [SHOP],
      commit: base,
      sequence: 1,
      apply: true,
    });
    return (await pipeline.bus.drain()).map((delivery) => delivery.outcome as StageOutcome);
  }

  /** Leaves the shop workspace as a builds stage that died after taking it leaves it. */
  async function diedAfterTaking() {
    await store.write([
      {
        kind: 'set',
        path: pipeline.state.paths.repository,
        data: {
          ...TEST_REPOSITORY,
          id: GOVERNED_TEST_REPOSITORY.id,
          current: { commit: base, sequence: 1, recordedAt: minutes(0) },
          recording: null,
        },
      },
      {
        kind: 'set',
        path: pipeline.state.paths.workspace(SHOP),
        data: {
          id: SHOP,
          lastApplied: null,
          running: {
            commit: base,
            sequence: 1,
            build: null,
            apply: true,
            lease: { owner: 'instance-dead', heartbeatAt: minutes(0), expiresAt: minutes(25) },
          },
          pending: null,
          updatedAt: minutes(0),
        },
      },
      {
        kind: 'set',
        path: pipeline.state.paths.build(SHOP, base),
        data: {
          workspace: SHOP,
          commit: base,
          sequence: 1,
          apply: true,
          status: 'requested',
          build: null,
          logUrl: null,
          reason: 'rendering and starting the build',
          updatedAt: minutes(0),
        },
      },
    ]);
  }

  it('leaves a submitter its lease, then takes the workspace over and finishes the revision', async () => {
    await diedAfterTaking();

    clock.set(minutes(10));
    expect(await resumeBuilds(pipeline.ports)).toEqual([]);
    expect(await requestShop()).toMatchObject([{ status: 'repeated' }]);
    expect(shopBuilds()).toHaveLength(0);
    expect((await workspace(SHOP)).running?.lease?.owner).toBe('instance-dead');

    clock.set(minutes(30));
    const resumed = await resumeBuilds(pipeline.ports);
    expect(resumed).toMatchObject([
      { workspace: SHOP, commit: base, sequence: 1, why: 'lease-expired', owner: 'instance-dead' },
    ]);
    const outcomes = (await pipeline.bus.drain()).map((delivery) => delivery.outcome);
    expect(outcomes).toMatchObject([
      { status: 'done', detail: expect.stringMatching(/started$/) as unknown },
    ]);
    // Taken over as resumed: Cloud Build was asked for the build before one was created.
    expect(pipeline.submissions).toMatchObject([{ workspace: SHOP, mayHaveStarted: true }]);
    const [started] = shopBuilds();
    expect(shopBuilds()).toHaveLength(1);
    expect((await workspace(SHOP)).running).toMatchObject({
      build: started?.id,
      lease: { owner: `build:${started?.id ?? ''}` },
    });
    const events = (await store.list(pipeline.state.paths.events)).map(
      (entry) => entry.data as unknown as EventDocument,
    );
    expect(events.map((event) => event.type)).toContain('build-taken-over');

    await pipeline.bus.publish(CLOUD_BUILDS_TOPIC, { ...started, status: 'SUCCESS' });
    await pipeline.bus.drain();
    expect(await workspace(SHOP)).toMatchObject({
      running: null,
      lastApplied: { commit: base, sequence: 1, build: started?.id },
    });
    expect(shopBuilds()).toHaveLength(1);
  });

  it('takes over at once the lease of an owner the runner knows is gone', async () => {
    await diedAfterTaking();
    clock.set(minutes(5));
    const resumed = await resumeBuilds(pipeline.ports, {
      ownerAlive: (owner) => owner !== 'instance-dead',
    });
    expect(resumed).toMatchObject([{ workspace: SHOP, why: 'owner-gone' }]);
    await pipeline.bus.drain();
    expect(shopBuilds()).toHaveLength(1);
    expect((await workspace(SHOP)).running?.build).toBe(shopBuilds()[0]?.id);
  });

  it('finishes a build whose notifications never came, from what Cloud Build says, without a second build', async () => {
    await pipeline.push({ after: base });
    const [started] = shopBuilds();
    expect((await workspace(SHOP)).running?.build).toBe(started?.id);
    // Cloud Build ran it to the end; its notifications were lost.
    (started as Record<string, unknown>)['status'] = 'SUCCESS';

    // Within Cloud Build's queue time and build timeout the build may still be running.
    clock.set(minutes(4 * 60));
    expect(await resumeBuilds(pipeline.ports)).toEqual([]);
    expect(await requestShop()).toMatchObject([
      { status: 'repeated', detail: `build ${started?.id ?? ''} is running` },
    ]);

    clock.set(minutes(4 * 60 + 16));
    const resumed = await resumeBuilds(pipeline.ports);
    expect(resumed.map((item) => item.workspace)).toContain(SHOP);
    await pipeline.bus.drain();
    expect(await workspace(SHOP)).toMatchObject({
      running: null,
      lastApplied: { commit: base, sequence: 1, build: started?.id },
    });
    expect(await build(SHOP, base)).toMatchObject({ status: 'SUCCESS', build: started?.id });
    expect(shopBuilds()).toHaveLength(1);
  });
});
