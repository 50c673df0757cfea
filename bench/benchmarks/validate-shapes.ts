import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultYamlLimits } from '../../shared/core/parse/yaml-limits.ts';
import { target, type Benchmark, type BenchmarkOptions, type Target } from '../lib/benchmark.ts';
import { measureInChild, summarize, type Sample } from '../lib/measurement.ts';
import { formatTable, ms, thousands } from '../lib/table.ts';
import { worstShapes } from '../synthetic/worst-shapes.ts';
import { writeSyntheticOrganization } from '../synthetic-organization.ts';

/** Target: no shape of file costs more than twice as much per MiB as a normal repository. */
const MAX_RATIO = 2;
const MIB = 1024 * 1024;

/** One folder validated: the organization, or one file of a worst shape. */
interface Subject {
  readonly name: string;
  readonly dir: string;
  readonly manifests: number;
  readonly bytes: number;
}

/**
 * What `infrastream validate` costs per MiB: on the synthetic organization, and on single
 * files of the shapes hardest on a YAML reader, each just under the file-size limit. Every
 * figure is a fresh process reading, validating and writing the text report, as the CLI
 * does; the cost of a file must stay proportional to its size.
 */
export const validateShapesBenchmark: Benchmark = {
  name: 'validate-shapes',
  description:
    'validation time per MiB: the synthetic organization against 1 MiB files of the worst shapes',
  async run(options: BenchmarkOptions) {
    const root = await mkdtemp(join(tmpdir(), 'infrastream-bench-'));
    try {
      const loadBefore = loadavg()[0] ?? 0;
      const organization = join(root, 'organization');
      const paths = await writeSyntheticOrganization(organization, {
        manifests: options.manifests,
        seed: options.seed,
      });
      const sizes = await Promise.all(
        paths.map(async (path) => (await stat(join(organization, path))).size),
      );
      const subjects: Subject[] = [
        {
          name: `organization of ${thousands(paths.length)} manifests`,
          dir: organization,
          manifests: paths.length,
          bytes: sizes.reduce((sum, size) => sum + size, 0),
        },
      ];
      for (const [index, shape] of worstShapes(defaultYamlLimits).entries()) {
        const dir = join(root, `shape-${index}`);
        await mkdir(dir);
        await writeFile(join(dir, 'shape.yaml'), shape.text);
        subjects.push({ name: shape.name, dir, manifests: 1, bytes: shape.text.length });
      }

      // One discarded run each warms the page cache and fails loudly on a wrong count.
      for (const subject of subjects)
        await measureInChild(subject.dir, 'report', subject.manifests);
      const samples = new Map<Subject, Sample[]>(subjects.map((subject) => [subject, []]));
      for (let i = 0; i < options.iterations; i++) {
        for (const subject of subjects) {
          samples
            .get(subject)
            ?.push(await measureInChild(subject.dir, 'report', subject.manifests));
        }
      }

      const rows = subjects.map((subject) => {
        const taken = samples.get(subject) ?? [];
        const total = summarize(taken.map((sample) => sample.timings.total ?? NaN));
        return {
          name: subject.name,
          bytes: subject.bytes,
          issues: taken[0]?.issues ?? NaN,
          rules: taken[0]?.rules ?? [],
          total,
          msPerMiB: total.median / (subject.bytes / MIB),
        };
      });
      const [normal, ...shapes] = rows;
      const normalPerMiB = normal?.msPerMiB ?? NaN;
      const targets = shapes.map((shape) =>
        target(
          `${shape.name}, per MiB / organization per MiB`,
          shape.msPerMiB / normalPerMiB,
          MAX_RATIO,
          '×',
        ),
      );
      const context = {
        manifests: paths.length,
        iterations: options.iterations,
        node: process.version,
        cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
        loadAverage: [loadBefore, loadavg()[0] ?? 0],
      };
      const text = [
        `validate-shapes: read, validateRepository and the text report, ${options.iterations} cold runs each, Node ${context.node}, ${context.cpu}`,
        `load average (1 min) before/after: ${context.loadAverage.map((load) => load.toFixed(2)).join(' / ')}`,
        '',
        formatTable(
          ['folder', 'size', 'issues', 'median', 'min', 'per MiB', '× organization', 'rules'],
          rows.map((row) => [
            row.name,
            `${(row.bytes / MIB).toFixed(2)} MiB`,
            thousands(row.issues),
            ms(row.total.median),
            ms(row.total.min),
            ms(row.msPerMiB),
            `${(row.msPerMiB / normalPerMiB).toFixed(2)}×`,
            row.rules.join(', '),
          ]),
        ),
        '',
        formatTargets(targets),
      ].join('\n');
      return {
        text,
        json: {
          benchmark: 'validate-shapes',
          ...context,
          rows,
          targets,
          samples: Object.fromEntries(subjects.map((s) => [s.name, samples.get(s)])),
        },
      };
    } finally {
      if (options.keep) process.stdout.write(`kept the folders in ${root}\n`);
      else await rm(root, { recursive: true, force: true });
    }
  },
};

function formatTargets(targets: readonly Target[]): string {
  return formatTable(
    ['target', 'value', 'limit', 'result'],
    targets.map((t) => [
      t.name,
      `${t.value.toFixed(2)}×`,
      `≤ ${t.limit}×`,
      t.pass ? 'PASS' : 'MISS',
    ]),
  );
}
