import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { target, type Benchmark, type BenchmarkOptions } from '../lib/benchmark.ts';
import { formatTable, ms, thousands } from '../lib/table.ts';
import { writeSyntheticOrganization } from '../synthetic-organization.ts';

const run = promisify(execFile);

/** Targets: graph + CODEOWNERS + IAM + network under 300 ms; an incremental plan under 100 ms. */
const MAX_COMPILE_MS = 300;
const MAX_INCREMENTAL_MS = 100;

interface Sample {
  readonly manifests: number;
  readonly workspaces: number;
  readonly bindings: number;
  readonly graphMs: number;
  readonly compileMs: number;
  readonly coldMs: number;
  readonly warmMs: number;
  readonly incrementalMs: number;
  readonly recompiled: number;
  readonly planned: number;
}

/**
 * The governance compiler on a synthetic organization: desired-state graph, CODEOWNERS,
 * IAM, firewall and egress for every workspace, cold in a fresh process and warm; then
 * the incremental plan after one project's allowedEgress changes.
 */
export const governanceBenchmark: Benchmark = {
  name: 'governance',
  description: 'graph + CODEOWNERS + IAM + network, and an incremental plan after one change',
  async run(options: BenchmarkOptions) {
    const dir = await mkdtemp(join(tmpdir(), 'infrastream-bench-'));
    try {
      await writeSyntheticOrganization(dir, { manifests: options.manifests, seed: options.seed });
      const script = new URL('../governance-once.ts', import.meta.url).pathname;
      const samples: Sample[] = [];
      for (let i = 0; i < options.iterations; i++) {
        const { stdout } = await run(process.execPath, [script, dir], { maxBuffer: 1 << 20 });
        samples.push(JSON.parse(stdout) as Sample);
      }
      const median = (key: keyof Sample) => {
        const values = samples.map((sample) => sample[key]).sort((a, b) => a - b);
        return values[Math.floor(values.length / 2)] ?? NaN;
      };
      const targets = [
        target(
          'graph + CODEOWNERS + IAM + network, cold (median)',
          median('coldMs'),
          MAX_COMPILE_MS,
          'ms',
        ),
        target(
          'incremental plan after one change (median)',
          median('incrementalMs'),
          MAX_INCREMENTAL_MS,
          'ms',
        ),
        target('workspaces recompiled after one change', median('recompiled'), 1, ''),
      ];
      const first = samples[0];
      const text = [
        `${thousands(first?.manifests ?? 0)} manifests, ${thousands(first?.workspaces ?? 0)} workspaces, ${thousands(first?.bindings ?? 0)} IAM bindings; ${options.iterations} fresh processes`,
        '',
        formatTable(
          ['step', 'median', 'min'],
          (['graphMs', 'compileMs', 'coldMs', 'warmMs', 'incrementalMs'] as const).map((key) => [
            {
              graphMs: 'desired-state graph (cold)',
              compileMs: 'CODEOWNERS + IAM + network (cold)',
              coldMs: 'total, cold',
              warmMs: 'total, warm (best of 5)',
              incrementalMs: 'incremental plan: graph + affected workspaces + diff',
            }[key],
            ms(median(key)),
            ms(Math.min(...samples.map((sample) => sample[key]))),
          ]),
        ),
        '',
        `workspaces recompiled after the change: ${median('recompiled')}; workspaces in the plan: ${median('planned')}`,
        '',
        ...targets.map(
          (t) =>
            `${t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${t.unit === 'ms' ? ms(t.value) : String(t.value)} (target ≤ ${t.limit}${t.unit === 'ms' ? ' ms' : ''})`,
        ),
      ].join('\n');
      return { text, json: { benchmark: 'governance', targets, samples } };
    } finally {
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    }
  },
};
