import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createAssetDriftReaders } from '../../shared/adapters/asset-drift-source.ts';
import { readAssetFiles } from '../../shared/adapters/file-asset-inventory.ts';
import { FirestoreDocumentStore } from '../../shared/adapters/firestore-document-store.ts';
import { grpcAssetInventory } from '../../shared/adapters/grpc-asset-inventory.ts';
import { createLocalBuildRunner } from '../../shared/adapters/local-build-runner.ts';
import { LocalRepositorySource } from '../../shared/adapters/local-repository-source.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { systemClock } from '../../shared/adapters/system-clock.ts';
import { createTerraformDriftReader } from '../../shared/adapters/terraform-drift-reader.ts';
import { parseAssetFile } from '../../shared/core/drift/parse-asset-file.ts';
import { createPipelineDriftReader } from '../../shared/pipeline/drift-readers.ts';
import { runDriftSweep } from '../../shared/pipeline/drift-sweep.ts';
import { RevisionLoader } from '../../shared/pipeline/revision-loader.ts';
import { repositoryPaths } from '../../shared/pipeline/state-documents.ts';
import type { DriftReader } from '../../shared/ports/drift-reader.ts';
import {
  emulatorUnavailableReason,
  startEmulator,
  type RunningEmulator,
} from '../../test/support/emulator-process.ts';
import {
  asSearchResults,
  startLoopbackAssetService,
  type LoopbackAssetService,
} from '../../test/support/loopback-asset-service.ts';
import { deploymentRenderConfig } from '../../test/support/loopback-pipeline-ports.ts';
import { createStandInTerraform } from '../../test/support/stand-in-terraform.ts';
import { target, type Benchmark, type BenchmarkOptions, type Target } from '../lib/benchmark.ts';
import { countingStore } from '../lib/counting-store.ts';
import { formatTable, ms, thousands } from '../lib/table.ts';
import { writeSyntheticOrganization } from '../synthetic-organization.ts';
import { syntheticAssetExport } from '../synthetic/asset-export.ts';
import { ASSET_SEARCH_QUOTA_PER_MINUTE, BINDINGS, unmanagedGrants } from './assets.ts';

const run = promisify(execFile);
const REPOSITORY = { owner: 'acme', name: 'platform', id: 1 } as const;
/** One workspace in this many has drift: a label changed and an owner grant added. */
const DRIFTED_EVERY = 20;
/** Unmanaged grants planted in the export, each one `iam` finding. */
const UNMANAGED = 100;
/**
 * Firestore's documented ramp-up for a new collection (the 500/50/5 rule): 500 writes a
 * second at first. A sweep that writes fewer needs no ramp-up at all.
 */
const FIRESTORE_NEW_COLLECTION_WRITES_PER_SECOND = 500;
/** The terraform reader's plans at once (`CONCURRENT_PLANS`), each init, plan and show in turn. */
const CONCURRENT_PROCESSES = 4;

/** One sweep, measured. */
interface SweepMeasure {
  readonly ms: number;
  /** Documents written through the store. */
  readonly written: number;
  readonly open: number;
  readonly findingsWritten: number;
  readonly terraformProcesses: number;
  readonly requests: { readonly searchAllIamPolicies: number; readonly searchAllResources: number };
  /** Milliseconds each source took, its reading shared by `iam` and `resources`. */
  readonly sources: Readonly<Record<string, number>>;
}

/**
 * One drift sweep of a synthetic organization with every source but GitHub, then a quiet
 * one over the same drift: a stand-in terraform plans each applied workspace refresh-only
 * (one in twenty drifted), the loopback Cloud Asset API built from the client's protos
 * serves an inventory of 100,000 bindings of which 100 are unmanaged, page by page, and the
 * store is the Firestore emulator when it runs here (the embedded SQLite store otherwise,
 * said in the output), every document written counted. Floors measured in the same run:
 * one stand-in terraform process, and reading the same inventory from an export file.
 */
export const driftBenchmark: Benchmark = {
  name: 'drift',
  description:
    'a drift sweep of a synthetic organization: stand-in terraform, 100,000 bindings from the loopback Asset API, Firestore writes; then a quiet one',
  async run(options: BenchmarkOptions) {
    const dir = await mkdtemp(join(tmpdir(), 'infrastream-bench-drift-'));
    const terraform = await createStandInTerraform();
    let emulator: RunningEmulator | undefined;
    let assets: LoopbackAssetService | undefined;
    let close: () => Promise<void> = () => Promise.resolve();
    try {
      await writeSyntheticOrganization(dir, { manifests: options.manifests, seed: options.seed });
      const commit = await commitAll(dir);
      const revisions = new RevisionLoader(new LocalRepositorySource(dir), {
        log: () => undefined,
      });
      const model = revisions.model(await revisions.load(REPOSITORY, commit));
      const all = [...model.workspaces.keys()];
      const swept = all.slice(0, options.workspaces ?? all.length);

      const unavailable = emulatorUnavailableReason('firestore');
      let storeLabel: string;
      let backing: SqliteDocumentStore | FirestoreDocumentStore;
      if (unavailable === undefined) {
        emulator = await startEmulator('firestore');
        backing = new FirestoreDocumentStore({
          projectId: `bench-drift-${String(Date.now())}`,
          emulatorHost: emulator.host,
        });
        storeLabel = `the Firestore emulator (started in ${ms(emulator.startupMs)}, not warmed)`;
      } else {
        backing = new SqliteDocumentStore({ file: join(dir, '.infrastream', 'state.sqlite') });
        storeLabel = `the embedded SQLite store: the Firestore emulator cannot run here (${unavailable})`;
      }
      close = () => backing.close();
      const store = countingStore(backing);
      await markApplied(store, swept, commit);
      const drifted = swept.filter((_, index) => index % DRIFTED_EVERY === 0);
      for (const id of drifted) await terraform.setDrift(id, projectDrift);

      const config = deploymentRenderConfig;
      const exported = syntheticAssetExport(
        [...model.workspaces.values()],
        config,
        BINDINGS - UNMANAGED,
      );
      const exportFile = join(dir, 'export.ndjson');
      await writeFile(
        exportFile,
        `${[...exported.lines, ...unmanagedGrants(config, UNMANAGED)].join('\n')}\n`,
      );
      const parsed = parseAssetFile(exportFile, await readFile(exportFile, 'utf8'));
      if (!parsed.ok) throw new Error(parsed.error.message);
      assets = await startLoopbackAssetService(asSearchResults(parsed.assets));
      const server = assets;

      const terraformBinary = join(terraform.directory, 'bin', 'terraform');
      const processFloor = await median(5, async () => {
        const folder = join(dir, 'floor', 'workspace', 'build');
        await mkdir(folder, { recursive: true });
        await run(terraformBinary, ['init'], { cwd: folder, env: terraform.env() });
      });
      const exportFloor = await median(3, () => readAssetFiles([exportFile]));

      const sweep = async (): Promise<SweepMeasure> => {
        const sources: Record<string, number> = {};
        const timed = (reader: DriftReader): DriftReader => ({
          name: reader.name,
          async read(scope) {
            const started = performance.now();
            try {
              return await reader.read(scope);
            } finally {
              sources[reader.name] = performance.now() - started;
            }
          },
        });
        // Made again for each sweep, as each run of the CLI or the collecting step does: the
        // asset readers share one reading for the sweep they were made for.
        const readers = [
          createTerraformDriftReader({
            store,
            repository: REPOSITORY,
            revisions,
            runner: createLocalBuildRunner({
              stateDir: join(dir, '.infrastream'),
              terraform: terraformBinary,
              env: terraform.env(),
            }),
            render: config,
            directory: join(dir, '.infrastream', 'builds'),
          }),
          ...createAssetDriftReaders({
            settings: { platformMembers: [], inventory: grpcAssetInventory(server.client()) },
            store,
            repository: REPOSITORY,
            revisions,
            render: config,
            head: commit,
          }),
          createPipelineDriftReader({ store, repository: REPOSITORY, maxLagMinutes: 120 }),
        ].map(timed);
        const requestsBefore = server.requests.length;
        const processesBefore = (await terraform.calls()).length;
        store.reset();
        const started = performance.now();
        const report = await runDriftSweep({
          store,
          repository: REPOSITORY,
          readers,
          acknowledgements: [],
          clock: systemClock,
        });
        const elapsed = performance.now() - started;
        const requests = server.requests.slice(requestsBefore);
        return {
          ms: elapsed,
          written: store.written,
          open: report.sweep.open,
          findingsWritten: report.sweep.written,
          terraformProcesses: (await terraform.calls()).length - processesBefore,
          requests: {
            searchAllIamPolicies: requests.filter((r) => r.method === 'SearchAllIamPolicies')
              .length,
            searchAllResources: requests.filter((r) => r.method === 'SearchAllResources').length,
          },
          sources,
        };
      };
      const first = await sweep();
      const quiet = await sweep();

      const targets: Target[] = [
        target('documents a quiet sweep writes', quiet.written, 1, ''),
        target('findings the quiet sweep writes again', quiet.findingsWritten, 0, ''),
        target(
          'documents the first sweep writes (a new collection’s first second on Firestore)',
          first.written,
          FIRESTORE_NEW_COLLECTION_WRITES_PER_SECOND,
          '',
        ),
        target(
          'SearchAllIamPolicies requests of a sweep (quota a minute per project)',
          first.requests.searchAllIamPolicies,
          ASSET_SEARCH_QUOTA_PER_MINUTE,
          '',
        ),
        target(
          'SearchAllResources requests of a sweep (quota a minute per project)',
          first.requests.searchAllResources,
          ASSET_SEARCH_QUOTA_PER_MINUTE,
          '',
        ),
      ];
      const ratio = (value: number, floor: number) => `${(value / floor).toFixed(1)}×`;
      const row = (name: string, measure: SweepMeasure) => [
        name,
        ms(measure.ms),
        String(measure.open),
        String(measure.written),
        `${measure.requests.searchAllIamPolicies} + ${measure.requests.searchAllResources}`,
        thousands(measure.terraformProcesses),
        ms(measure.sources['terraform'] ?? NaN),
        ms(measure.sources['iam'] ?? NaN),
      ];
      const text = [
        `${thousands(swept.length)} of ${thousands(all.length)} workspaces applied and planned, ${drifted.length} with drift; ` +
          `an inventory of ${thousands(exported.bindings + UNMANAGED)} bindings in ${thousands(exported.policies + UNMANAGED)} IAM policies and ${thousands(exported.resources)} resources (${UNMANAGED} grants unmanaged), served by the loopback Asset API 500 a page`,
        `store: ${storeLabel}`,
        '',
        formatTable(
          [
            'sweep',
            'wall time',
            'open findings',
            'documents written',
            'asset requests (policies + resources)',
            'terraform processes',
            'terraform source',
            'asset sources',
          ],
          [row('first', first), row('quiet', quiet)],
        ),
        '',
        `floors: one stand-in terraform process ${ms(processFloor)}; reading the same inventory from its export file ${ms(exportFloor)}`,
        `terraform source, first sweep: ${ratio(first.sources['terraform'] ?? NaN, (first.terraformProcesses * processFloor) / CONCURRENT_PROCESSES)} its ${thousands(first.terraformProcesses)} processes' floor, run ${CONCURRENT_PROCESSES} at a time`,
        `asset sources, first sweep: ${ratio(first.sources['iam'] ?? NaN, exportFloor)} reading the export file`,
        `quiet sweep: ${ratio(quiet.ms, first.ms)} the first's wall time, ${quiet.written} document written`,
        '',
        ...targets.map(
          (t) => `${t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${String(t.value)} (target ≤ ${t.limit})`,
        ),
      ].join('\n');
      return {
        text,
        json: {
          benchmark: 'drift',
          store: emulator === undefined ? 'sqlite' : 'firestore-emulator',
          workspaces: swept.length,
          organizationWorkspaces: all.length,
          drifted: drifted.length,
          bindings: exported.bindings + UNMANAGED,
          floors: { terraformProcessMs: processFloor, exportFileReadMs: exportFloor },
          first,
          quiet,
          targets,
        },
      };
    } finally {
      await assets?.close();
      await close();
      await emulator?.stop();
      if (!options.keep) {
        await rm(dir, { recursive: true, force: true });
        await rm(terraform.directory, { recursive: true, force: true });
      }
    }
  },
};

/** What the stand-in reports for a drifted workspace: a label changed, an owner grant. */
const projectDrift = [
  {
    address: 'module.project.google_project.this',
    type: 'google_project',
    change: {
      actions: ['update'],
      before: { labels: { team: 'a' } },
      after: { labels: { team: 'b' } },
    },
  },
  {
    address: 'module.project.google_project_iam_member.extra',
    type: 'google_project_iam_member',
    change: {
      actions: ['update'],
      before: { role: 'roles/viewer' },
      after: { role: 'roles/owner' },
    },
  },
];

async function commitAll(dir: string): Promise<string> {
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
  };
  const git = async (...args: string[]) =>
    (await run('git', args, { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  await git('init', '--quiet', '--initial-branch=main');
  await git('add', '--all');
  await git('commit', '--quiet', '--message', 'The organization');
  return git('rev-parse', 'HEAD');
}

/** The workspace documents of a pipeline that applied each workspace at `commit`. */
async function markApplied(
  store: ReturnType<typeof countingStore>,
  workspaces: readonly string[],
  commit: string,
): Promise<void> {
  const paths = repositoryPaths(REPOSITORY);
  const at = systemClock.now();
  await store.write(
    workspaces.map((id) => ({
      kind: 'set' as const,
      path: paths.workspace(id),
      data: {
        id,
        lastApplied: { commit, sequence: 1, build: 'bench' },
        running: null,
        pending: null,
        updatedAt: at,
      },
    })),
  );
}

/** The median of `times` runs of `work`, in milliseconds. */
async function median(times: number, work: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < times; index++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? NaN;
}
