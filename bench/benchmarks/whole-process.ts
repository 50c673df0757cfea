import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticOrganization } from '../synthetic-organization.ts';
import { target, type Benchmark, type BenchmarkOptions } from '../lib/benchmark.ts';
import { summarize, type Summary } from '../lib/measurement.ts';
import { formatTable, ms } from '../lib/table.ts';
import { runWholeProcess, type ProcessRun } from '../lib/whole-process.ts';

const CLI = fileURLToPath(new URL('../../bin/infrastream', import.meta.url));
const FLOOR = fileURLToPath(new URL('../js-yaml-floor.ts', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));

/** Targets: whole-process validate against the js-yaml floor measured in the same run. */
const MAX_WALL_RATIO = 2;
const MAX_CPU_RATIO = 2.5;
const MAX_EXAMPLES_WALL_RATIO = 2.5;

type Case =
  | 'node'
  | 'versionUncached'
  | 'version'
  | 'floor'
  | 'validate'
  | 'examplesFloor'
  | 'examplesValidateUncached'
  | 'examplesValidate';

/** Node strips the types of every source itself, as on a first run or with the cache off. */
const UNCACHED: Readonly<Record<string, string>> = { NODE_DISABLE_COMPILE_CACHE: '1' };

/**
 * Cold whole processes, as a user or a function instance pays them: `infrastream validate
 * DIR --format json` of the synthetic organization and of examples/, each against the floor
 * of reading the same files and `loadAll` from js-yaml on one thread, started the same way.
 * Bare Node and `infrastream --version` show what start-up costs before any file is read;
 * the uncached cases what it costs when Node strips the types of every source itself (a
 * first run, or the cache of stripped sources turned off). The runs of the discarded first
 * round fill that cache for the others.
 */
export const wholeProcessBenchmark: Benchmark = {
  name: 'process',
  description: 'cold whole-process validate against the js-yaml floor (read + loadAll)',
  async run(options: BenchmarkOptions) {
    const dir = await mkdtemp(join(tmpdir(), 'infrastream-bench-process-'));
    try {
      const loadBefore = loadavg()[0] ?? 0;
      const paths = await writeSyntheticOrganization(dir, {
        manifests: options.manifests,
        seed: options.seed,
      });
      const commands: Record<Case, readonly string[]> = {
        node: ['-e', ''],
        versionUncached: [CLI, '--version'],
        version: [CLI, '--version'],
        floor: [FLOOR, dir],
        validate: [CLI, 'validate', dir, '--format', 'json'],
        examplesFloor: [FLOOR, EXAMPLES],
        examplesValidateUncached: [CLI, 'validate', EXAMPLES, '--format', 'json'],
        examplesValidate: [CLI, 'validate', EXAMPLES, '--format', 'json'],
      };
      const environments: Partial<Record<Case, Readonly<Record<string, string>>>> = {
        versionUncached: UNCACHED,
        examplesValidateUncached: UNCACHED,
      };
      const cases = Object.keys(commands) as Case[];
      const runs = Object.fromEntries(cases.map((name) => [name, [] as ProcessRun[]])) as Record<
        Case,
        ProcessRun[]
      >;
      // One discarded round warms the page cache; then the cases alternate, so that what
      // else the machine does falls on all of them.
      for (let round = 0; round <= options.iterations; round++) {
        for (const name of cases) {
          const run = await runWholeProcess(commands[name], environments[name]);
          if (run.exitCode !== 0) throw new Error(`${name} exited with ${run.exitCode}`);
          if (round > 0) runs[name].push(run);
        }
      }
      const wall = (name: Case) => summarize(runs[name].map((run) => run.wallMs));
      const cpu = (name: Case) => summarize(runs[name].map((run) => run.cpuMs));
      const figures = Object.fromEntries(
        cases.map((name) => [name, { wallMs: wall(name), cpuMs: cpu(name) }]),
      ) as Record<Case, { wallMs: Summary; cpuMs: Summary }>;
      const ratio = (name: Case, floor: Case, key: 'wallMs' | 'cpuMs') =>
        figures[name][key].median / figures[floor][key].median;
      const targets = [
        target(
          `validate ${paths.length} manifests / floor, wall`,
          ratio('validate', 'floor', 'wallMs'),
          MAX_WALL_RATIO,
          '×',
        ),
        target(
          `validate ${paths.length} manifests / floor, CPU`,
          ratio('validate', 'floor', 'cpuMs'),
          MAX_CPU_RATIO,
          '×',
        ),
        target(
          'validate examples / floor, wall',
          ratio('examplesValidate', 'examplesFloor', 'wallMs'),
          MAX_EXAMPLES_WALL_RATIO,
          '×',
        ),
      ];
      const context = {
        manifests: paths.length,
        iterations: options.iterations,
        node: process.version,
        cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
        loadAverage: [loadBefore, loadavg()[0] ?? 0],
      };
      const labels: Record<Case, string> = {
        node: 'node -e "" (bare start)',
        versionUncached: 'infrastream --version, types stripped by Node',
        version: 'infrastream --version',
        floor: `floor: read + js-yaml loadAll, ${paths.length} manifests`,
        validate: `infrastream validate, ${paths.length} manifests`,
        examplesFloor: 'floor: read + js-yaml loadAll, examples/',
        examplesValidateUncached: 'infrastream validate examples/, types stripped by Node',
        examplesValidate: 'infrastream validate examples/',
      };
      const table = formatTable(
        ['process', 'wall median', 'wall min', 'CPU median', 'CPU min'],
        cases.map((name) => [
          labels[name],
          ms(figures[name].wallMs.median),
          ms(figures[name].wallMs.min),
          ms(figures[name].cpuMs.median),
          ms(figures[name].cpuMs.min),
        ]),
      );
      const goals = formatTable(
        ['target', 'value', 'limit', 'result'],
        targets.map((t) => [
          t.name,
          `${t.value.toFixed(2)}×`,
          `≤ ${t.limit}×`,
          t.pass ? 'PASS' : 'MISS',
        ]),
      );
      const text = [
        `process: ${options.iterations} cold runs of each, Node ${context.node}, ${context.cpu}`,
        `load average (1 min) before/after: ${context.loadAverage.map((load) => load.toFixed(2)).join(' / ')}`,
        '',
        table,
        '',
        goals,
      ].join('\n');
      return { text, json: { benchmark: 'process', ...context, targets, figures, runs } };
    } finally {
      if (options.keep) process.stdout.write(`kept the organization in ${dir}\n`);
      else await rm(dir, { recursive: true, force: true });
    }
  },
};
