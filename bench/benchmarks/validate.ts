import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticOrganization } from '../synthetic-organization.ts';
import { target, type Benchmark, type BenchmarkOptions, type Target } from '../lib/benchmark.ts';
import {
  measureInChild,
  summarizeSamples,
  type Mode,
  type Sample,
  type Summary,
} from '../lib/measurement.ts';
import { formatTable, mib, ms, thousands } from '../lib/table.ts';

const MODES: readonly Mode[] = ['floor', 'validate', 'phases'];

/** Targets: whole validation within 1.5× of reading and parsing alone, and under 2 s. */
const MAX_RATIO = 1.5;
const MAX_VALIDATE_MS = 2000;

/**
 * Cold validation of a synthetic organization: each figure comes from a fresh process,
 * compared with the floor any YAML validator pays (read every file, parse it).
 */
export const validateBenchmark: Benchmark = {
  name: 'validate',
  description: 'cold validateRepository of a synthetic organization against read + parse',
  async run(options: BenchmarkOptions) {
    const dir = await mkdtemp(join(tmpdir(), 'infrastream-bench-'));
    try {
      const loadBefore = loadavg()[0] ?? 0;
      const generation = performance.now();
      const paths = await writeSyntheticOrganization(dir, {
        manifests: options.manifests,
        seed: options.seed,
      });
      const generateMs = performance.now() - generation;
      const sizes = await Promise.all(
        paths.map(async (path) => (await stat(join(dir, path))).size),
      );
      const bytes = sizes.reduce((sum, size) => sum + size, 0);

      // One discarded run per mode: warms the page cache, and fails loudly before any
      // measurement if the organization is not valid with zero issues.
      for (const mode of MODES) await measureInChild(dir, mode, paths.length);
      const samples: Record<Mode, Sample[]> = { floor: [], validate: [], phases: [] };
      for (let i = 0; i < options.iterations; i++) {
        for (const mode of MODES) samples[mode].push(await measureInChild(dir, mode, paths.length));
      }
      const figures = {
        floor: summarizeSamples(samples.floor),
        validate: summarizeSamples(samples.validate),
        phases: summarizeSamples(samples.phases),
      };
      const median = (mode: Mode, key: string) => figures[mode][key]?.median ?? NaN;
      const files = samples.validate[0]?.files ?? 0;
      const ratio = median('validate', 'totalMs') / median('floor', 'totalMs');
      const targets = [
        target('validate / floor (total, median)', ratio, MAX_RATIO, '×'),
        target(
          paths.length === 10_000
            ? 'validate total, 10,000 manifests (median)'
            : `validate total scaled from ${paths.length} to 10,000 manifests (median)`,
          median('validate', 'totalMs') * (10_000 / paths.length),
          MAX_VALIDATE_MS,
          'ms',
        ),
      ];
      const derived = {
        ratio,
        ratioWithoutRead: median('validate', 'validateRepositoryMs') / median('floor', 'parseMs'),
        /** Least disturbed by other work on the machine. */
        ratioOfMinimums:
          (figures.validate.totalMs?.min ?? NaN) / (figures.floor.totalMs?.min ?? NaN),
        filesPerSecondValidate: files / (median('validate', 'totalMs') / 1000),
        filesPerSecondFloor: files / (median('floor', 'totalMs') / 1000),
      };
      const context = {
        manifests: paths.length,
        files,
        bytes,
        seed: options.seed,
        iterations: options.iterations,
        generateMs,
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
        /** One-minute load average before generating and after measuring: noise. */
        loadAverage: [loadBefore, loadavg()[0] ?? 0],
      };
      return {
        text: render(context, figures, derived, targets),
        json: { benchmark: 'validate', ...context, derived, targets, figures, samples },
      };
    } finally {
      if (options.keep) process.stdout.write(`kept the organization in ${dir}\n`);
      else await rm(dir, { recursive: true, force: true });
    }
  },
};

function render(
  context: {
    manifests: number;
    files: number;
    bytes: number;
    iterations: number;
    node: string;
    cpu: string;
    loadAverage: readonly number[];
  },
  figures: Record<Mode, Record<string, Summary>>,
  derived: {
    ratio: number;
    ratioWithoutRead: number;
    ratioOfMinimums: number;
    filesPerSecondValidate: number;
    filesPerSecondFloor: number;
  },
  targets: readonly Target[],
): string {
  const row = (mode: Mode, key: string, label: string, format = ms) => {
    const figure = figures[mode][key];
    return [
      `${mode.padEnd(8)} ${label}`,
      format(figure?.median ?? NaN),
      format(figure?.min ?? NaN),
      format(figure?.max ?? NaN),
    ];
  };
  const timing = formatTable(
    ['step', 'median', 'min', 'max'],
    [
      row('floor', 'readMs', 'read (readRepositoryFiles)'),
      row('floor', 'parseMs', 'parseDocument (defaults)'),
      row('floor', 'totalMs', 'total'),
      row('validate', 'readMs', 'read (readRepositoryFiles)'),
      row('validate', 'validateRepositoryMs', 'validateRepository, parsed on every core'),
      row('validate', 'totalMs', 'total'),
      row('phases', 'readMs', 'read'),
      row('phases', 'parseMs', 'parse (readYamlFile)'),
      row('phases', 'validateMs', 'validate (validateManifest)'),
      row('phases', 'resolveMs', 'resolve (checkRepository)'),
      row('phases', 'totalMs', 'total'),
      row('floor', 'processMs', 'process wall (spawn to exit)'),
      row('validate', 'processMs', 'process wall (spawn to exit)'),
      row('floor', 'maxRssMiB', 'peak RSS', mib),
      row('validate', 'maxRssMiB', 'peak RSS', mib),
      row('floor', 'heapUsedMiB', 'heapUsed after', mib),
      row('validate', 'heapUsedMiB', 'heapUsed after', mib),
    ],
  );
  const goals = formatTable(
    ['target', 'value', 'limit', 'result'],
    targets.map((t) => [
      t.name,
      t.unit === '×' ? `${t.value.toFixed(2)}×` : ms(t.value),
      t.unit === '×' ? `≤ ${t.limit}×` : `≤ ${ms(t.limit)}`,
      t.pass ? 'PASS' : 'MISS',
    ]),
  );
  return [
    `validate: ${thousands(context.manifests)} manifests (${thousands(context.files)} YAML files, ${(context.bytes / 1024 / 1024).toFixed(1)} MiB), ${context.iterations} cold runs per mode, Node ${context.node}, ${context.cpu}`,
    `load average (1 min) before/after: ${context.loadAverage.map((load) => load.toFixed(2)).join(' / ')}${busy(context.loadAverage) ? ' (busy machine: figures are noisy)' : ''}`,
    '',
    timing,
    '',
    `files/s: validate ${thousands(derived.filesPerSecondValidate)}, floor ${thousands(derived.filesPerSecondFloor)}`,
    `ratio validate/floor: ${derived.ratio.toFixed(2)}× (total, medians); ${derived.ratioWithoutRead.toFixed(2)}× without the read; ${derived.ratioOfMinimums.toFixed(2)}× of the minimums`,
    '',
    goals,
  ].join('\n');
}

/** Other work on the machine makes cold figures noisy; say so next to them. */
function busy(loadAverage: readonly number[]): boolean {
  return loadAverage.some((load) => load > cpus().length * 0.5);
}
