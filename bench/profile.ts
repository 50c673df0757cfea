/**
 * Where a cold validation spends its time: `node bench/profile.ts [--mode validate]
 * [--manifests N] [--seed S] [--top K] [--keep]`. Generates the synthetic organization,
 * runs one child under `node --cpu-prof`, and prints self time by area and by function.
 * With --keep, the .cpuprofile stays on disk for Chrome DevTools.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeProfile } from './lib/cpu-profile.ts';
import { measureInChild, type Mode } from './lib/measurement.ts';
import { formatTable, ms } from './lib/table.ts';
import { writeSyntheticOrganization } from './synthetic-organization.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'validate' },
    manifests: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    top: { type: 'string', default: '25' },
    interval: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
  },
});
const mode = values.mode as Mode;
if (!['floor', 'validate', 'phases'].includes(mode)) throw new Error(`unknown mode ${mode}`);

const dir = await mkdtemp(join(tmpdir(), 'infrastream-profile-'));
const repository = join(dir, 'repository');
const profiles = join(dir, 'profiles');
try {
  const paths = await writeSyntheticOrganization(repository, {
    manifests: Number(values.manifests),
    seed: Number(values.seed),
  });
  await measureInChild(repository, mode, paths.length); // warms the page cache
  const sample = await measureInChild(repository, mode, paths.length, [
    '--cpu-prof',
    `--cpu-prof-dir=${profiles}`,
    `--cpu-prof-interval=${values.interval}`,
  ]);
  const [name] = await readdir(profiles);
  if (name === undefined) throw new Error('the child wrote no profile');
  const summary = summarizeProfile(
    JSON.parse(await readFile(join(profiles, name), 'utf8')) as Parameters<
      typeof summarizeProfile
    >[0],
    Number(values.top),
  );
  const share = (value: number) => `${((100 * value) / summary.totalMs).toFixed(1)}%`;
  const steps = Object.entries(sample.timings).map(([step, value]) => `${step} ${ms(value)}`);
  process.stdout.write(
    [
      `profile of one cold "${mode}" child, ${paths.length} manifests (${steps.join(', ')})`,
      `sampled self time, idle excluded: ${ms(summary.totalMs)} (includes start-up and module loading)`,
      '',
      formatTable(
        ['area', 'self', 'share'],
        summary.areas.map((area) => [area.area, ms(area.ms), share(area.ms)]),
      ),
      '',
      formatTable(
        ['function (top by self time)', 'area', 'self', 'share'],
        summary.functions.map((f) => [f.name, f.area, ms(f.ms), share(f.ms)]),
      ),
      '',
    ].join('\n'),
  );
  if (values.keep) process.stdout.write(`profile kept in ${join(profiles, name)}\n`);
} finally {
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
