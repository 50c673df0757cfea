import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a child process measures for the validate benchmark. */
export type Mode = 'floor' | 'validate' | 'phases';

/** What a child process can measure: also `report`, the CLI's work, issues allowed. */
export type ChildMode = Mode | 'report';

/** The JSON line a child prints. */
export interface ChildMeasurement {
  readonly mode: ChildMode;
  readonly files: number;
  readonly manifests: number;
  /** Milliseconds per step, from performance.now() in the child; `total` covers all. */
  readonly timings: Readonly<Record<string, number>>;
  /** process.resourceUsage().maxRSS, in MiB. */
  readonly maxRssMiB: number;
  /** process.memoryUsage().heapUsed at the end, with every result still referenced. */
  readonly heapUsedMiB: number;
  readonly retained: boolean;
  /** Issues found, in `report` mode (the others require none). */
  readonly issues?: number;
  /** Their rules, each once, in `report` mode. */
  readonly rules?: readonly string[];
}

/** A child's measurement, plus the wall time of the whole process as the parent saw it. */
export interface Sample extends ChildMeasurement {
  /** Spawn to exit: Node start-up, module loading, and the work. */
  readonly processMs: number;
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

const CHILD = fileURLToPath(new URL('../validate-once.ts', import.meta.url));

/** Runs one measurement in a fresh Node process, so that every figure is cold. */
export function measureInChild(
  dir: string,
  mode: ChildMode,
  expectedManifests: number,
  nodeArgs: readonly string[] = [],
): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [...nodeArgs, CHILD, dir, mode, String(expectedManifests)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const processMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`the ${mode} child exited with ${String(code)}:\n${stderr}${stdout}`));
        return;
      }
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve({ ...(JSON.parse(line) as ChildMeasurement), processMs });
      } catch {
        reject(new Error(`the ${mode} child printed no measurement:\n${stdout}\n${stderr}`));
      }
    });
  });
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? NaN)
      : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN, samples };
}

/** Every numeric figure of a set of samples of one mode, summarized. */
export function summarizeSamples(samples: readonly Sample[]): Record<string, Summary> {
  const keys = new Set(samples.flatMap((sample) => Object.keys(sample.timings)));
  const figures: Record<string, Summary> = {};
  for (const key of keys)
    figures[`${key}Ms`] = summarize(samples.map((s) => s.timings[key] ?? NaN));
  figures.processMs = summarize(samples.map((s) => s.processMs));
  figures.maxRssMiB = summarize(samples.map((s) => s.maxRssMiB));
  figures.heapUsedMiB = summarize(samples.map((s) => s.heapUsedMiB));
  return figures;
}
