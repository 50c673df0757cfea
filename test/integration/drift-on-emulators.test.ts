import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import { grpcAssetInventory } from '../../shared/adapters/grpc-asset-inventory.ts';
import { systemClock } from '../../shared/adapters/system-clock.ts';
import { CLOUD_BUILDS_TOPIC } from '../../shared/core/contracts/build-notification.ts';
import { DRIFT_REQUESTED_TOPIC } from '../../shared/core/contracts/drift-request-message.ts';
import { encodeDriftBuildOutput } from '../../shared/core/drift/drift-build-output.ts';
import type { DriftRunDocument } from '../../shared/core/drift/drift-run.ts';
import type { SweepSummary } from '../../shared/core/drift/drift-report.ts';
import type { DriftFindingDocument } from '../../shared/pipeline/drift-sweep.ts';
import { RepositoryState } from '../../shared/pipeline/repository-state.ts';
import type { WorkspaceDocument } from '../../shared/pipeline/state-documents.ts';
import { unstagedOrganization } from '../support/base-organization.ts';
import { startEmulatorPipeline, type EmulatorPipeline } from '../support/emulator-pipeline.ts';
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
} from '../support/github-webhook.ts';
import {
  startLoopbackAssetService,
  type LoopbackAssetService,
} from '../support/loopback-asset-service.ts';
import type { StoredBuild } from '../support/loopback-cloud-build.ts';

const SUITE = 'the scheduled drift sweep on the Firestore and Pub/Sub emulators';
const unavailable = emulatorUnavailable('firestore', SUITE) ?? emulatorUnavailable('pubsub', SUITE);

const SECRET = 'drift-webhook-secret';
const REPOSITORY = { owner: 'acme', name: 'platform', defaultBranch: 'main' } as const;
const GOVERNED = { owner: 'acme', name: 'platform', id: GITHUB_REPOSITORY_ID } as const;
const DRIFT_IDENTITY = 'infrastream-drift@acme-infrastream.iam.gserviceaccount.com';
const SETTLE_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = SETTLE_TIMEOUT_MS + 30_000;

/**
 * The drift stage as deployed: Cloud Scheduler's message on `drift-requested`, refresh-only
 * builds started through the real Cloud Build client on loopback, their notifications on
 * `cloud-builds` through build-status, the sweep collected into Firestore with the live
 * inventory read through the real Asset client on loopback. The tests build on each other.
 */
describe.skipIf(unavailable !== undefined)(SUITE, () => {
  let repository: TestRepository;
  let running: EmulatorPipeline;
  let assets: LoopbackAssetService;
  let store: FirestoreDocumentStore;
  let state: RepositoryState;
  let base: string;
  let applied: Map<string, WorkspaceDocument>;
  /** The documents of the apply builds, as they stood once every workspace was applied. */
  let applyBuilds: unknown[];
  let sweep: string;

  beforeAll(async () => {
    const [firestoreHost, pubsubHost] = await Promise.all([
      emulatorHost('firestore'),
      emulatorHost('pubsub'),
    ]);
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    base = await repository.commit('The base organization');
    assets = await startLoopbackAssetService({ policies: [], resources: [] });
    running = await startEmulatorPipeline({
      directory: repository.directory,
      repository: GOVERNED,
      firestoreHost,
      pubsubHost,
      projectId: uniqueName('drift'),
      topicPrefix: `${uniqueName('drift')}-`,
      webhookSecret: SECRET,
      assetInventory: grpcAssetInventory(assets.client()),
    });
    store = running.firestore;
    state = new RepositoryState(store, { ...REPOSITORY, id: GOVERNED.id }, systemClock);
  }, EMULATOR_STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    await running.close();
    await assets.close();
    await rm(repository.directory, { recursive: true, force: true });
  });

  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const workspaces = async () =>
    (await store.list(state.paths.workspaces)).map(
      (entry) => entry.data as unknown as WorkspaceDocument,
    );

  /** Cloud Build's notification of a build that ended, as Cloud Build publishes it. */
  async function notify(build: StoredBuild, status: string, outputs: readonly string[] = []) {
    await running.functions.topic(CLOUD_BUILDS_TOPIC).publishMessage({
      json: {
        ...build,
        status,
        finishTime: new Date().toISOString(),
        results: { buildStepOutputs: outputs },
      },
      attributes: { buildId: build.id, status },
    });
  }

  const buildDocuments = async () =>
    (await store.list(state.paths.builds)).map((entry) => entry.data);

  const driftBuilds = () =>
    running.cloudBuild.builds.filter((build) => build.substitutions?._DRIFT_SWEEP !== undefined);

  it(
    'applies a first push, the sweep has workspaces to plan',
    async () => {
      const hook = await signedPushWebhook(SECRET, {
        ...REPOSITORY,
        ref: 'refs/heads/main',
        before: '0'.repeat(40),
        after: base,
        message: 'The base organization',
      });
      expect((await deliverWebhook(running.ingestUrl, hook)).status).toBe(202);
      const revision = await running.pipeline.ports.revisions.load(REPOSITORY, base);
      const expected = [...revision.analysis.state.workspaces].length;
      const builds = await until('the apply builds', () => {
        const found = running.cloudBuild.builds.filter(
          (build) => build.substitutions?._COMMIT === base,
        );
        return Promise.resolve(found.length === expected ? found : undefined);
      });
      for (const build of builds) await notify(build, 'SUCCESS');
      applied = await until('every workspace applied', async () => {
        const found = await workspaces();
        return found.length === expected && found.every((item) => item.lastApplied !== null)
          ? new Map(found.map((item) => [item.id, item]))
          : undefined;
      });
      expect(applied.size).toBeGreaterThan(1);
      applyBuilds = await buildDocuments();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "claims the schedule's time and starts one refresh-only build per applied workspace, once",
    async () => {
      await running.functions.topic(DRIFT_REQUESTED_TOPIC).publishMessage({ json: { version: 1 } });
      const builds = await until('the drift builds', () =>
        Promise.resolve(driftBuilds().length === applied.size ? driftBuilds() : undefined),
      );
      sweep = builds[0]?.substitutions?._DRIFT_SWEEP ?? '';
      expect(sweep).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/);
      expect(builds.map((build) => build.substitutions?._WORKSPACE).sort()).toEqual(
        [...applied.keys()].sort(),
      );
      for (const build of builds) {
        const workspace = applied.get(build.substitutions?._WORKSPACE ?? '');
        expect(build.substitutions).toMatchObject({
          _COMMIT: workspace?.lastApplied?.commit,
          _SEQUENCE: String(workspace?.lastApplied?.sequence),
          _APPLY: 'false',
          _DRIFT_SWEEP: sweep,
        });
        expect(build['serviceAccount']).toBe(
          `projects/acme-infrastream/serviceAccounts/${DRIFT_IDENTITY}`,
        );
      }
      const run = await until('the drift builds recorded on the sweep', async () => {
        const found = (await store.get(state.paths.driftRun(sweep))) as
          DriftRunDocument | undefined;
        return found !== undefined &&
          Object.values(found.workspaces).every((workspace) => workspace.state === 'started')
          ? found
          : undefined;
      });
      expect(run.status).toBe('building');

      // Cloud Scheduler's message delivered again: the time is claimed, nothing starts.
      expect(await running.pipeline.stage('drift')({ version: 1 })).toEqual({
        status: 'repeated',
        detail: `the sweep of ${sweep} was claimed before`,
      });
      expect(driftBuilds()).toHaveLength(applied.size);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'collects the sweep once every drift build has reported, and moves no applied revision',
    async () => {
      const builds = driftBuilds();
      const [drifted, failed, ...quiet] = builds;
      if (drifted === undefined || failed === undefined) throw new Error('expected two workspaces');
      const workspace = drifted.substitutions?._WORKSPACE ?? '';
      const output = encodeDriftBuildOutput([
        {
          source: 'terraform',
          workspace,
          address: 'module.project.google_project_iam_member.this["viewer"]',
          attribute: 'role',
          severity: 'critical',
          summary:
            'module.project.google_project_iam_member.this["viewer"]: role changed outside Terraform',
          before: 'roles/viewer',
          after: 'roles/owner',
        },
      ]);
      const quietOutput = Buffer.from(encodeDriftBuildOutput([])).toString('base64');
      await notify(drifted, 'SUCCESS', ['', Buffer.from(output).toString('base64')]);
      await notify(failed, 'FAILURE');
      for (const build of quiet) await notify(build, 'SUCCESS', [quietOutput]);

      const summary = await until('the sweep written', async () => {
        const sweeps = await store.list(state.paths.driftSweeps);
        return sweeps[0]?.data as SweepSummary | undefined;
      });
      const findings = (await store.list(state.paths.drift)).map(
        (entry) => entry.data as unknown as DriftFindingDocument,
      );
      expect(summary).toMatchObject({ appeared: findings.length, resolved: 0 });
      const terraform = summary.sources.find((source) => source.name === 'terraform');
      expect(terraform).toMatchObject({
        status: 'partial',
        detail: expect.stringContaining(
          `${builds.length - 1} of ${builds.length} applied workspaces planned refresh-only in Cloud Build; 1 unread (${failed.substitutions?._WORKSPACE ?? ''}: its build ended FAILURE`,
        ) as string,
      });
      expect(summary.sources.map((source) => [source.name, source.status])).toEqual(
        expect.arrayContaining([
          ['iam', 'ok'],
          ['resources', 'ok'],
          ['github', 'ok'],
          ['codeowners', 'ok'],
          ['pipeline', 'ok'],
        ]),
      );
      // The other sources read live: the loopback repository has neither CODEOWNERS nor protection.
      expect(findings.map((finding) => finding.source).sort()).toEqual([
        'codeowners',
        'github',
        'terraform',
      ]);
      // Collected, the sweep is published like `infrastream drift`'s: an issue per drifted
      // workspace and one SARIF upload, recorded on the sweep.
      expect(summary.publication).toMatchObject({ status: 'ok' });
      const github = running.github;
      expect(github.settings.sarifs).toHaveLength(1);
      expect(github.issues.issues.filter((issue) => issue.state === 'open').length).toBeGreaterThan(
        0,
      );
      expect(findings.filter((finding) => finding.source === 'terraform')).toMatchObject([
        { source: 'terraform', workspace, attribute: 'role', after: 'roles/owner', status: 'open' },
      ]);
      expect(
        ((await store.get(state.paths.driftRun(sweep))) as DriftRunDocument | undefined)?.status,
      ).toBe('swept');
      // The Asset client searched the organization live.
      expect(new Set(assets.requests.map((request) => request.scope))).toEqual(
        new Set(['organizations/123456789012']),
      );

      // A refresh-only build, failed or not, is never an apply: the queue is as it was.
      for (const document of await workspaces()) {
        expect(document).toEqual(applied.get(document.id));
      }
      expect(await buildDocuments()).toEqual(applyBuilds);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "answers a drift build's redelivered notification without writing anything",
    async () => {
      const [drifted] = driftBuilds();
      if (drifted === undefined) throw new Error('expected a drift build');
      const outcome = await running.pipeline.stage('build-status')({
        ...drifted,
        status: 'SUCCESS',
        results: { buildStepOutputs: [] },
      });
      expect(outcome).toMatchObject({ status: 'repeated' });
      expect(await store.list(state.paths.driftSweeps)).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'never takes a drift build for the apply of the commit it refreshed',
    async () => {
      const [drifted] = driftBuilds();
      if (drifted === undefined) throw new Error('expected a drift build');
      // The same workspace, commit and sequence as its apply; only the sweep tells it apart.
      await running.pipeline.stage('build-status')({
        ...drifted,
        status: 'FAILURE',
        failureInfo: { detail: 'the refresh failed' },
      });
      expect(await buildDocuments()).toEqual(applyBuilds);
      for (const document of await workspaces()) {
        expect(document).toEqual(applied.get(document.id));
      }
    },
    TEST_TIMEOUT_MS,
  );
});
