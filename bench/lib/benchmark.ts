/** What every benchmark is given, from the command line. */
export interface BenchmarkOptions {
  readonly manifests: number;
  readonly iterations: number;
  readonly seed: number;
  /** Keep generated files instead of deleting them. */
  readonly keep: boolean;
  /** How many of the organization's workspaces a benchmark that sweeps them takes; all when absent. */
  readonly workspaces?: number;
}

/** What a benchmark hands back: text for people, JSON for machines. */
export interface BenchmarkReport {
  readonly text: string;
  readonly json: unknown;
}

/**
 * A named benchmark. It reports, it never gates: a missed target is printed as MISS
 * and the run still exits 0.
 */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(options: BenchmarkOptions): Promise<BenchmarkReport>;
}

export interface Target {
  readonly name: string;
  readonly value: number;
  readonly limit: number;
  readonly unit: string;
  readonly pass: boolean;
}

export function target(name: string, value: number, limit: number, unit: string): Target {
  return { name, value, limit, unit, pass: value <= limit };
}
