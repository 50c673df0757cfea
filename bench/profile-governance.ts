/**
 * Where the governance compiler spends its time: `node bench/profile-governance.ts
 * [--step cold|incremental] [--runs R] [--manifests N] [--seed S] [--top K] [--interval µs]`.
 * Generates the synthetic organization, then runs R fresh processes (cold must be cold);
 * each validates without being sampled, then samples only the step: the cold graph and
 * compilation, or the incremental plan after one project's allowedEgress changes. Prints
 * self time per function, averaged over the runs, idle excluded.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { readRepositoryFiles } from '../shared/adapters/local-repository-files.ts';
import {
  buildPlan,
  compileGovernance,
  compileIncrementally,
} from '../shared/core/governance/build-plan.ts';
import { buildDesiredState } from '../shared/core/governance/desired-state.ts';
import {
  validateRepository,
  type RepositoryFile,
} from '../shared/core/validate/validate-repository.ts';
import { summarizeProfile } from './lib/cpu-profile.ts';
import { formatTable, ms } from './lib/table.ts';
import { writeSyntheticOrganization } from './synthetic-organization.ts';

const { values } = parseArgs({
  options: {
    step: { type: 'string', default: 'cold' },
    runs: { type: 'string', default: '5' },
    manifests: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    top: { type: 'string', default: '30' },
    interval: { type: 'string', default: '50' },
    // Internal: run one sampled step on this repository and write the profile here.
    child: { type: 'string' },
    out: { type: 'string' },
  },
});
if (values.step !== 'cold' && values.step !== 'incremental')
  throw new Error(`--step: expected cold or incremental, found ${values.step}`);

if (values.child !== undefined) await sampleOnce(values.child, values.out ?? 'profile.json');
else await profileMany();

async function profileMany(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'infrastream-profile-governance-'));
  try {
    const repository = join(dir, 'repository');
    await writeSyntheticOrganization(repository, {
      manifests: Number(values.manifests),
      seed: Number(values.seed),
    });
    const runs = Number(values.runs);
    const self = new Map<string, number>();
    let total = 0;
    for (let run = 0; run < runs; run++) {
      const out = join(dir, `run-${String(run)}.cpuprofile`);
      const args = [
        new URL(import.meta.url).pathname,
        `--child=${repository}`,
        `--out=${out}`,
        `--step=${values.step}`,
        `--interval=${values.interval}`,
      ];
      await promisify(execFile)(process.execPath, args);
      const profile = JSON.parse(await readFile(out, 'utf8')) as Parameters<
        typeof summarizeProfile
      >[0] & { timeDeltas: number[] };
      // The first sample's delta spans the profiler starting up, not the step.
      profile.timeDeltas[0] = 0;
      const summary = summarizeProfile(profile, Number.MAX_SAFE_INTEGER);
      total += summary.totalMs / runs;
      for (const f of summary.functions) self.set(f.name, (self.get(f.name) ?? 0) + f.ms / runs);
    }
    const share = (value: number) => `${((100 * value) / total).toFixed(1)}%`;
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
    process.stdout.write(
      [
        `${values.step} step, mean of ${String(runs)} fresh processes: ${ms(total)} sampled (profiler overhead included)`,
        '',
        formatTable(
          ['function (top by self time)', 'self', 'share'],
          top.map(([name, value]) => [name, value.toFixed(1), share(value)]),
        ),
        '',
      ].join('\n'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function sampleOnce(directory: string, out: string): Promise<void> {
  const files = readRepositoryFiles(directory, 100_000);
  const base = validateRepository(files);
  const project = files.find(
    (file) =>
      /\/project\/[^/]+\.yaml$/.test(file.path) &&
      new TextDecoder().decode(file.bytes).includes('allowedEgress:'),
  );
  if (project === undefined) throw new Error('no project with allowedEgress');
  const edited: RepositoryFile = {
    path: project.path,
    bytes: new TextEncoder().encode(
      new TextDecoder()
        .decode(project.bytes)
        .replace('allowedEgress:\n', 'allowedEgress:\n    - api.example-partner.com\n'),
    ),
  };
  const head = validateRepository(
    files.map((file) => (file.path === project.path ? edited : file)),
  );

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: Number(values.interval) });
  const sampled = async (work: () => void) => {
    await session.post('Profiler.start');
    work();
    return (await session.post('Profiler.stop')).profile;
  };
  let profile;
  if (values.step === 'cold') {
    profile = await sampled(() => {
      compileGovernance(buildDesiredState(base.manifests, undefined, base.index));
    });
  } else {
    const state = buildDesiredState(base.manifests, undefined, base.index);
    const model = compileGovernance(state);
    profile = await sampled(() => {
      const headState = buildDesiredState(head.manifests, state);
      const compiled = compileIncrementally({ state, model }, headState);
      buildPlan(
        { label: 'base', state, model },
        { label: 'head', state: headState, model: compiled.model },
      );
    });
  }
  session.disconnect();
  await writeFile(out, JSON.stringify(profile));
}
