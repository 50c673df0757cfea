import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalBuildRunner } from '../../shared/adapters/local-build-runner.ts';
import { LocalRepositorySource } from '../../shared/adapters/local-repository-source.ts';
import { SqliteDocumentStore } from '../../shared/adapters/sqlite-document-store.ts';
import { systemClock } from '../../shared/adapters/system-clock.ts';
import { createTerraformDriftReader } from '../../shared/adapters/terraform-drift-reader.ts';
import { createPipelineDriftReader } from '../../shared/pipeline/drift-readers.ts';
import { runDriftSweep } from '../../shared/pipeline/drift-sweep.ts';
import { RevisionLoader } from '../../shared/pipeline/revision-loader.ts';
import { repositoryPaths } from '../../shared/pipeline/state-documents.ts';
import type { DocumentStore } from '../../shared/ports/document-store.ts';
import { deploymentRenderConfig } from '../../test/support/loopback-pipeline-ports.ts';
import { createStandInTerraform } from '../../test/support/stand-in-terraform.ts';
import { target, type Benchmark, type BenchmarkOptions } from '../lib/benchmark.ts';
import { formatTable, ms, thousands } from '../lib/table.ts';
import { writeSyntheticOrganization } from '../synthetic-organization.ts';

const run = promisify(execFile);
const REPOSITORY = { owner: 'acme', name: 'platform', id: 1 } as const;
/** One workspace in this many has drift: a label changed and an owner grant added. */
const DRIFTED_EVERY = 20;

/**
 * Two drift sweeps of a synthetic organization whose every workspace is applied: the first
 * finds the drift the stand-in terraform reports for one workspace in twenty, the second
 * sees the same drift and must write only its sweep document. The store is the embedded
 * one, every write counted; terraform is the stand-in, three processes per workspace.
 */
export const driftBenchmark: Benchmark = {
  name: 'drift',
  description:
    'drift sweeps of every workspace of a synthetic organization with a stand-in terraform: first, quiet',
  async run(options: BenchmarkOptions) {
    const dir = await mkdtemp(join(tmpdir(), 'infrastream-bench-drift-'));
    const terraform = await createStandInTerraform();
    try {
      await writeSyntheticOrganization(dir, { manifests: options.manifests, seed: options.seed });
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
      const commit = await git('rev-parse', 'HEAD');

      const revisions = new RevisionLoader(new LocalRepositorySource(dir), {
        log: () => undefined,
      });
      const workspaces = [
        ...revisions.model(await revisions.load(REPOSITORY, commit)).workspaces.keys(),
      ];
      const paths = repositoryPaths(REPOSITORY);
      let written = 0;
      const sqlite = new SqliteDocumentStore({ file: join(dir, '.infrastream', 'state.sqlite') });
      const store: DocumentStore = {
        get: (path) => sqlite.get(path),
        getAll: (list) => sqlite.getAll(list),
        list: (collection) => sqlite.list(collection),
        transact: (work) => sqlite.transact(work),
        write: (writes) => {
          written += writes.length;
          return sqlite.write(writes);
        },
      };
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
      const drifted = workspaces.filter((_, index) => index % DRIFTED_EVERY === 0);
      for (const id of drifted) {
        await terraform.setDrift(id, [
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
        ]);
      }
      const readers = [
        createTerraformDriftReader({
          store,
          repository: REPOSITORY,
          revisions,
          runner: createLocalBuildRunner({
            stateDir: join(dir, '.infrastream'),
            terraform: join(terraform.directory, 'bin', 'terraform'),
            env: terraform.env(),
          }),
          render: deploymentRenderConfig,
          directory: join(dir, '.infrastream', 'builds'),
        }),
        createPipelineDriftReader({ store, repository: REPOSITORY, maxLagMinutes: 120 }),
      ];
      const sweep = async () => {
        written = 0;
        const started = performance.now();
        const report = await runDriftSweep({
          store,
          repository: REPOSITORY,
          readers,
          acknowledgements: [],
          clock: systemClock,
        });
        return { report, ms: performance.now() - started, written };
      };
      const first = await sweep();
      const quiet = await sweep();
      const processes = (await terraform.calls()).length;
      const targets = [
        target('documents a quiet sweep writes', quiet.written, 1, ''),
        target('findings the quiet sweep writes again', quiet.report.sweep.written, 0, ''),
      ];
      const text = [
        `${thousands(workspaces.length)} applied workspaces, ${drifted.length} with drift; ${thousands(processes)} terraform processes over both sweeps`,
        '',
        formatTable(
          ['sweep', 'wall time', 'open findings', 'documents written'],
          [
            ['first', ms(first.ms), String(first.report.sweep.open), String(first.written)],
            ['quiet', ms(quiet.ms), String(quiet.report.sweep.open), String(quiet.written)],
          ],
        ),
        '',
        ...targets.map(
          (t) => `${t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${String(t.value)} (target ≤ ${t.limit})`,
        ),
      ].join('\n');
      return {
        text,
        json: {
          benchmark: 'drift',
          workspaces: workspaces.length,
          drifted: drifted.length,
          terraformProcesses: processes,
          first: { ms: first.ms, written: first.written, open: first.report.sweep.open },
          quiet: { ms: quiet.ms, written: quiet.written, open: quiet.report.sweep.open },
          targets,
        },
      };
    } finally {
      if (!options.keep) {
        await rm(dir, { recursive: true, force: true });
        await rm(terraform.directory, { recursive: true, force: true });
      }
    }
  },
};
