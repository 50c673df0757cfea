import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { deploymentRenderConfig } from './loopback-pipeline-ports.ts';

/**
 * The stand-in, as a CommonJS script run by this Node. Like terraform it keeps a state per
 * workspace (outside the build folder, as a backend would), plans against it, applies only
 * a plan whose state has not moved since (a stale plan fails, as terraform's does), and with
 * `-detailed-exitcode` says whether the plan changes anything. Each call is one JSON line in
 * the log, written before it prints anything: a caller killed meanwhile does not hide it.
 */
const script = String.raw`
const { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { createHash, randomUUID } = require('node:crypto');
const { basename, dirname, join } = require('node:path');

const [command, ...args] = process.argv.slice(2);
const cwd = process.cwd();
const workspace = basename(dirname(cwd));
const stateFile = join(process.env.STAND_IN_TERRAFORM_DIR, 'state', workspace + '.json');
const started = Date.now();
const log = (entry) =>
  appendFileSync(
    join(process.env.STAND_IN_TERRAFORM_DIR, 'calls.jsonl'),
    JSON.stringify({ command, args, workspace, folder: cwd, pid: process.pid, started, ended: Date.now(), ...entry }) + '\n',
  );
const applied = () => (existsSync(stateFile) ? readFileSync(stateFile, 'utf8') : '');
const slowMs = JSON.parse(process.env.STAND_IN_TERRAFORM_SLOW ?? '{}');
const slow = slowMs[command + ' ' + workspace] ?? slowMs[command] ?? 0;
const later = (then) => setTimeout(then, slow);
// Read at the start, as terraform reads its plan before it changes anything.
const savedPlan =
  command === 'show' || command === 'apply' ? JSON.parse(readFileSync(args.at(-1), 'utf8')) : undefined;

later(() => {
  if (command === 'init' || command === 'validate') {
    log({});
    console.log(command + ' done');
  } else if (command === 'plan' && args.includes('-refresh-only')) {
    // What the cloud holds that the state does not: set by the test, per workspace.
    const driftFile = join(process.env.STAND_IN_TERRAFORM_DIR, 'drift', workspace + '.json');
    const drift = existsSync(driftFile) ? JSON.parse(readFileSync(driftFile, 'utf8')) : [];
    const plan = { id: randomUUID(), refreshOnly: true, drift };
    const out = args.find((arg) => arg.startsWith('-out=')).slice('-out='.length);
    writeFileSync(out, JSON.stringify(plan));
    log({ plan: plan.id, changes: drift.length > 0 });
    console.log(drift.length > 0 ? 'Objects have changed outside of Terraform' : 'No changes.');
    process.exitCode = args.includes('-detailed-exitcode') && drift.length > 0 ? 2 : 0;
  } else if (command === 'plan') {
    const module = createHash('sha256').update(readFileSync('main.tf.json')).digest('hex');
    const plan = { id: randomUUID(), module, base: applied(), changes: module !== applied() };
    const out = args.find((arg) => arg.startsWith('-out=')).slice('-out='.length);
    writeFileSync(out, JSON.stringify(plan));
    log({ plan: plan.id, changes: plan.changes });
    console.log(plan.changes ? 'Plan: 1 to change.' : 'No changes.');
    process.exitCode = args.includes('-detailed-exitcode') && plan.changes ? 2 : 0;
  } else if (command === 'show' && savedPlan.refreshOnly) {
    log({ plan: savedPlan.id });
    console.log(JSON.stringify({ format_version: '1.2', resource_drift: savedPlan.drift, resource_changes: [] }));
  } else if (command === 'show') {
    const plan = savedPlan;
    log({ plan: plan.id });
    const actions = plan.changes ? ['update'] : ['no-op'];
    console.log(JSON.stringify({ format_version: '1.2', planned_values: {}, resource_changes: [{ address: 'terraform_data.workspace', mode: 'managed', type: 'terraform_data', name: 'workspace', change: { actions } }] }));
  } else if (command === 'apply') {
    const plan = savedPlan;
    const failure = JSON.parse(process.env.STAND_IN_TERRAFORM_FAIL ?? '{}')[workspace];
    if (failure !== undefined) {
      log({ plan: plan.id, failed: true });
      console.error('╷\n│ Error: ' + failure + '\n│\n│   with module.workspace.terraform_data.this,\n╵');
      process.exitCode = 1;
      return;
    }
    if (plan.base !== applied()) {
      log({ plan: plan.id, stale: true });
      console.error('Error: Saved plan is stale');
      process.exitCode = 1;
      return;
    }
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, plan.module);
    log({ plan: plan.id });
    console.log('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.');
  } else {
    console.error('stand-in terraform: unknown command ' + command);
    process.exitCode = 1;
  }
});
`;

/** One call of the stand-in, as its log has it. */
export interface StandInCall {
  readonly command: string;
  readonly args: readonly string[];
  readonly workspace: string;
  readonly folder: string;
  readonly pid: number;
  /** When it started and when it logged, in milliseconds since the epoch. */
  readonly started: number;
  readonly ended: number;
  readonly plan?: string;
  readonly changes?: boolean;
  readonly stale?: boolean;
  /** An apply the environment made fail. */
  readonly failed?: boolean;
}

/** A `terraform` on `PATH` that does no harm, and a log of what it was asked. */
export interface StandInTerraform {
  /** Where its executable, its log and its workspaces' state are. */
  readonly directory: string;
  /**
   * The environment of a deployment that applies with it: first on `PATH`, each command
   * slowed by `slowMs`, by command (`apply`) or by command and workspace (`apply organization`);
   * the apply of each workspace in `failApply` fails with its error, changing nothing.
   */
  env(
    slowMs?: Readonly<Record<string, number>>,
    failApply?: Readonly<Record<string, string>>,
  ): Record<string, string>;
  /** Every call so far, in order. */
  calls(): Promise<StandInCall[]>;
  /**
   * What a refresh-only plan of `workspace` reports from now on: `resource_drift` entries
   * of `terraform show -json`; none when never set.
   */
  setDrift(workspace: string, resourceDrift: readonly unknown[]): Promise<void>;
}

/** Installs a stand-in `terraform` in a new temporary folder. */
export async function createStandInTerraform(): Promise<StandInTerraform> {
  const directory = await mkdtemp(join(tmpdir(), 'infrastream-terraform-'));
  await mkdir(join(directory, 'bin'));
  const executable = join(directory, 'bin', 'terraform');
  await writeFile(executable, `#!${process.execPath}\n${script}`);
  await chmod(executable, 0o755);
  return {
    directory,
    env: (slowMs = {}, failApply = {}) => ({
      PATH: `${join(directory, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
      STAND_IN_TERRAFORM_DIR: directory,
      STAND_IN_TERRAFORM_SLOW: JSON.stringify(slowMs),
      STAND_IN_TERRAFORM_FAIL: JSON.stringify(failApply),
      // `--apply` refuses the example's placeholders: a deployment has a configuration of its own.
      INFRASTREAM_RENDER_CONFIG: JSON.stringify(deploymentRenderConfig),
    }),
    async setDrift(workspace, resourceDrift) {
      await mkdir(join(directory, 'drift'), { recursive: true });
      await writeFile(join(directory, 'drift', `${workspace}.json`), JSON.stringify(resourceDrift));
    },
    async calls() {
      const text = await readFile(join(directory, 'calls.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as StandInCall);
    },
  };
}
