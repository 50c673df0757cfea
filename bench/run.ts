/**
 * Benchmarks (`npm run bench -- --help`). Benchmarks report, they do not gate: a missed
 * target prints MISS and exits 0.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { assetsBenchmark } from './benchmarks/assets.ts';
import { driftBenchmark } from './benchmarks/drift.ts';
import { governanceBenchmark } from './benchmarks/governance.ts';
import { pipelineBenchmark } from './benchmarks/pipeline.ts';
import { snapshotBenchmark } from './benchmarks/snapshot.ts';
import { validateShapesBenchmark } from './benchmarks/validate-shapes.ts';
import { validateBenchmark } from './benchmarks/validate.ts';
import { wholeProcessBenchmark } from './benchmarks/whole-process.ts';
import type { Benchmark, BenchmarkOptions } from './lib/benchmark.ts';

/** Every benchmark, in the order they run. Add new ones here. */
const benchmarks: readonly Benchmark[] = [
  validateBenchmark,
  wholeProcessBenchmark,
  validateShapesBenchmark,
  governanceBenchmark,
  pipelineBenchmark,
  snapshotBenchmark,
  assetsBenchmark,
  driftBenchmark,
];

const usage = `Usage: npm run bench [-- <name>...] [--manifests N] [--iterations K] [--seed S] [--workspaces W] [--keep] [--list]

Runs the benchmarks (all, or those named), prints a table each and writes bench/results/<name>.json.
  --manifests N   size of the synthetic organization (default 10000)
  --iterations K  repetitions of each measurement (default 5)
  --seed S        seed of the synthetic organization (default 1)
  --workspaces W  drift: sweep only the first W workspaces (default all: 775 of 10,000 manifests)
  --keep          keep the generated organization's folder
  --list          list the benchmarks and exit
`;

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      manifests: { type: 'string', default: '10000' },
      iterations: { type: 'string', default: '5' },
      seed: { type: 'string', default: '1' },
      workspaces: { type: 'string' },
      keep: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}
const { values, positionals } = parsed;

if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

if (values.list) {
  for (const benchmark of benchmarks) {
    process.stdout.write(`${benchmark.name}: ${benchmark.description}\n`);
  }
  process.exit(0);
}

const options: BenchmarkOptions = {
  manifests: positiveInteger('manifests', values.manifests),
  iterations: positiveInteger('iterations', values.iterations),
  seed: positiveInteger('seed', values.seed),
  keep: values.keep,
  ...(values.workspaces === undefined
    ? {}
    : { workspaces: positiveInteger('workspaces', values.workspaces) }),
};

const unknown = positionals.filter((name) => !benchmarks.some((b) => b.name === name));
if (unknown.length > 0) {
  throw new Error(
    `unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`,
  );
}
const selected =
  positionals.length === 0 ? benchmarks : benchmarks.filter((b) => positionals.includes(b.name));

const resultsDir = new URL('./results/', import.meta.url);
await mkdir(resultsDir, { recursive: true });
for (const benchmark of selected) {
  process.stdout.write(`\n== ${benchmark.name}: ${benchmark.description}\n\n`);
  const report = await benchmark.run(options);
  process.stdout.write(`${report.text}\n`);
  const output = new URL(`${benchmark.name}.json`, resultsDir);
  await writeFile(output, `${JSON.stringify(report.json, null, 2)}\n`);
  process.stdout.write(`\nwrote ${output.pathname}\n`);
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name}: expected a positive integer, found ${text}`);
  return value;
}
