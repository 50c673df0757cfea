import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SNAPSHOT_CHUNK_BYTES } from '../../shared/pipeline/snapshot-store.ts';
import {
  emulatorUnavailableReason,
  startEmulator,
  type RunningEmulator,
} from '../../test/support/emulator-process.ts';
import { target, type Benchmark, type BenchmarkOptions } from '../lib/benchmark.ts';
import { formatTable, ms, thousands } from '../lib/table.ts';
import { writeSyntheticOrganization } from '../synthetic-organization.ts';

const run = promisify(execFile);
const CHILD = new URL('../snapshot-once.ts', import.meta.url).pathname;

/** Target of the snapshot issue: a cold stage loads from the snapshot in 10% of a re-parse. */
const MAX_SNAPSHOT_SHARE = 0.1;

interface Load {
  readonly ms: number;
  readonly cpuMs: number;
}

interface Save {
  readonly key: string;
  readonly parseMs: number;
  readonly encodeMs: number;
  readonly saveMs: number;
  readonly bytes: number;
}

/**
 * A cold stage's load of a revision: parsed from its files (git's object store, as the
 * embedded source reads it), against read from the snapshot parse left, in the SQLite store
 * and, where its emulator runs, in Firestore. Each load is a fresh Node process, so that
 * nothing (no parse, no compiled code) is warm, the two alternated so that what the machine
 * does meanwhile falls on both; each process imports the modules and connects its store
 * before the clock starts, as a deployed stage has done before it loads.
 */
export const snapshotBenchmark: Benchmark = {
  name: 'snapshot',
  description: 'a cold stage loads a revision from its snapshot, against parsing it again',
  async run(options: BenchmarkOptions) {
    const dir = await mkdtemp(join(tmpdir(), 'infrastream-bench-snapshot-'));
    const emulators: RunningEmulator[] = [];
    try {
      const repository = join(dir, 'repository');
      const paths = await writeSyntheticOrganization(repository, {
        manifests: options.manifests,
        seed: options.seed,
      });
      const git = (...args: string[]) =>
        run('git', args, {
          cwd: repository,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'b',
            GIT_AUTHOR_EMAIL: 'b@e',
            GIT_COMMITTER_NAME: 'b',
            GIT_COMMITTER_EMAIL: 'b@e',
          },
        });
      await git('init', '--quiet', '--initial-branch=main');
      await git('add', '--all');
      await git('commit', '--quiet', '-m', 'organization');
      const base = (await git('rev-parse', 'HEAD')).stdout.trim();
      // One manifest changed: the next push, for what the embedded run would pay.
      const project = paths.find((path) => /\/project\/[^/]+\.yaml$/.test(path)) ?? '';
      const projectText = await readFile(join(repository, project), 'utf8');
      await writeFile(
        join(repository, project),
        projectText.replace('  allowedEgress:\n', '  allowedEgress:\n    - api.bench.example\n'),
      );
      await git('commit', '--quiet', '-am', 'one manifest');
      const head = (await git('rev-parse', 'HEAD')).stdout.trim();

      const stores: { name: string; setting: string }[] = [
        { name: 'SQLite', setting: `sqlite:${join(dir, 'state.sqlite')}` },
      ];
      const unavailable = emulatorUnavailableReason('firestore');
      if (unavailable === undefined) {
        const firestore = await startEmulator('firestore');
        emulators.push(firestore);
        stores.push({ name: 'Firestore emulator', setting: `firestore:bench@${firestore.host}` });
      }
      const child = async <T>(setting: string, ...args: string[]): Promise<T> => {
        const { stdout } = await run(process.execPath, [CHILD, ...args], {
          env: { ...process.env, INFRASTREAM_BENCH_STORE: setting },
          maxBuffer: 1 << 20,
        });
        return JSON.parse(stdout) as T;
      };

      const sqlite = stores[0]?.setting ?? '';
      const save = await child<Save>(sqlite, 'save', repository, head);
      for (const store of stores.slice(1))
        await child<Save>(store.setting, 'save', repository, head);
      const parses: Load[] = [];
      const loads = new Map<string, Load[]>(stores.map((store) => [store.name, []]));
      // One discarded round: the page cache holds the repository and the store afterwards.
      await child<Load>(sqlite, 'parse', repository, head);
      for (const store of stores) {
        await child<Load>(store.setting, 'snapshot', repository, head, save.key);
      }
      for (let i = 0; i < options.iterations; i++) {
        parses.push(await child<Load>(sqlite, 'parse', repository, head));
        for (const store of stores) {
          loads
            .get(store.name)
            ?.push(await child<Load>(store.setting, 'snapshot', repository, head, save.key));
        }
      }
      const incremental: number[] = [];
      for (let i = 0; i < Math.min(3, options.iterations); i++) {
        incremental.push((await child<Load>(sqlite, 'incremental', repository, head, base)).ms);
      }

      const median = (values: readonly number[]) =>
        [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
      const parseMs = median(parses.map((load) => load.ms));
      const rows = [
        ['parse the files', ms(parseMs), ms(median(parses.map((load) => load.cpuMs))), '100%'],
        ...stores.map((store) => {
          const samples = loads.get(store.name) ?? [];
          const loadMs = median(samples.map((load) => load.ms));
          return [
            `read the snapshot (${store.name})`,
            ms(loadMs),
            ms(median(samples.map((load) => load.cpuMs))),
            `${((100 * loadMs) / parseMs).toFixed(1)}%`,
          ];
        }),
      ];
      const targets = stores.map((store) =>
        target(
          `a cold load from the snapshot (${store.name}), as a share of a re-parse (median)`,
          median((loads.get(store.name) ?? []).map((load) => load.ms)) / parseMs,
          MAX_SNAPSHOT_SHARE,
          '',
        ),
      );
      const chunks = Math.ceil(save.bytes / SNAPSHOT_CHUNK_BYTES);
      const text = [
        `${thousands(paths.length)} manifests; ${options.iterations} fresh processes of each`,
        '',
        formatTable(['cold load of the revision', 'wall (median)', 'CPU (median)', 'share'], rows),
        '',
        ...targets.map(
          (item) =>
            `${item.pass ? 'PASS' : 'MISS'}  ${item.name}: ${(100 * item.value).toFixed(1)}% (target ≤ ${String(100 * item.limit)}%)`,
        ),
        `INFO  snapshot: ${thousands(save.bytes)} bytes compressed, ${String(chunks)} chunk document(s); parse writes it to SQLite in ${ms(save.saveMs)}, encoding included (encoding alone, once warm: ${ms(save.encodeMs)})`,
        `INFO  embedded run, where one process parses the pushed revision and then loads the one before from the same loader: that load costs ${ms(median(incremental))}, against writing the pushed revision's snapshot (${ms(save.saveMs)}) and reading the one before's (${ms(median((loads.get('SQLite') ?? []).map((load) => load.ms)))})`,
        ...(unavailable === undefined ? [] : [`INFO  Firestore not measured: ${unavailable}`]),
      ].join('\n');
      return {
        text,
        json: {
          manifests: paths.length,
          save,
          chunks,
          parses,
          loads: Object.fromEntries(loads),
          incremental,
          targets,
        },
      };
    } finally {
      for (const emulator of emulators) await emulator.stop();
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    }
  },
};
