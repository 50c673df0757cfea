import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unstagedOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';
import {
  createStandInTerraform,
  type StandInCall,
  type StandInTerraform,
} from '../support/stand-in-terraform.ts';

// `infrastream run --apply` killed with SIGKILL at several points, with a stand-in terraform
// that logs every call: the next run must finish the revision, and nothing may be applied
// twice or by two terraforms at once.

const bin = fileURLToPath(new URL('../../bin/infrastream', import.meta.url));
const WORKSPACES = ['organization', 'payments.production.shop', 'payments.staging.shop'];
const TIMEOUT = 90_000;
/** The run after the kill gets less than the test: a hang fails with what it printed. */
const FINISH_TIMEOUT = 60_000;

let repository: TestRepository;
let terraform: StandInTerraform;

beforeEach(async () => {
  repository = await createTestRepository();
  await repository.write(Object.fromEntries(unstagedOrganization));
  await repository.commit('The base organization');
  terraform = await createStandInTerraform();
});

afterEach(async () => {
  await rm(repository.directory, { recursive: true, force: true });
  await rm(terraform.directory, { recursive: true, force: true });
});

/** `run --apply` as a process of its own, and what it printed so far. */
function startRun(
  env: Record<string, string>,
  args: readonly string[] = ['run', '--apply', repository.directory],
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function until(probe: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Kills the run; one that ended first would leave nothing to test, and no exit to wait for. */
async function kill(run: ReturnType<typeof startRun>): Promise<void> {
  const { child } = run;
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new Error(
      `the run ended (exit ${String(child.exitCode ?? child.signalCode)}) before it was killed:\n${run.output()}`,
    );
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** `run --apply` to its end, or failing with its output and the folder's state past the timeout. */
async function finishingRun(): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        [bin, 'run', '--apply', repository.directory],
        {
          env: { ...process.env, NO_COLOR: '1', ...terraform.env() },
          timeout: FINISH_TIMEOUT,
          killSignal: 'SIGKILL',
        },
        (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr });
        },
      );
    },
  );
  if (run.code === null) {
    throw new Error(
      `the run after the kill did not end within ${FINISH_TIMEOUT} ms\n--- its stdout:\n${run.stdout}\n--- its stderr:\n${run.stderr}\n${await folderState()}`,
    );
  }
  return { ...run, code: run.code };
}

/** What the state folder holds and which terraforms run, to say why a run hung. */
async function folderState(): Promise<string> {
  const folder = join(repository.directory, '.infrastream');
  const read = (file: string) => readFile(file, 'utf8').catch(() => '(none)');
  const lines = [`--- ${folder}/lock:\n${await read(join(folder, 'lock'))}`];
  for (const args of [
    ['state', 'workspaces', '--dir', repository.directory, '--format', 'json'],
    ['state', 'builds', '--dir', repository.directory],
  ]) {
    const state = await runCli(args, { timeoutMs: 10_000 }).catch((error: unknown) => ({
      stdout: '',
      stderr: String(error),
    }));
    lines.push(`--- infrastream ${args.slice(0, 2).join(' ')}:\n${state.stdout}${state.stderr}`);
  }
  const builds = join(folder, 'builds');
  for (const workspace of await readdir(builds).catch(() => [])) {
    for (const build of await readdir(join(builds, workspace))) {
      const at = join(builds, workspace, build);
      lines.push(
        `--- ${workspace}/${build}: terraform.running.json ${await read(join(at, 'terraform.running.json'))}, build.json ${await read(join(at, 'build.json'))}`,
      );
    }
  }
  const processes = await new Promise<string>((resolve) => {
    execFile('ps', ['-eo', 'pid,ppid,stat,etime,args'], (_, stdout) => {
      resolve(stdout);
    });
  });
  lines.push(
    `--- processes:\n${processes
      .split('\n')
      .filter((line) => /terraform|infrastream/.test(line))
      .join('\n')}`,
  );
  return lines.join('\n');
}

/** How many calls of `command` the stand-in logged (each logs as it ends). */
async function calls(command: string): Promise<number> {
  return (await terraform.calls()).filter((call) => call.command === command).length;
}

/** Runs `run --apply` to the end, then checks the revision finished, each plan applied once. */
async function expectFinished(needed: Readonly<Record<string, number>>): Promise<void> {
  const run = await finishingRun();
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const workspaces = await runCli([
    'state',
    'workspaces',
    '--dir',
    repository.directory,
    '--format',
    'json',
  ]);
  expect(
    (
      JSON.parse(workspaces.stdout) as {
        id: string;
        running: unknown;
        pending: unknown;
        lastApplied: { sequence: number } | null;
      }[]
    ).map(({ id, running, pending, lastApplied }) => [id, running, pending, lastApplied?.sequence]),
  ).toEqual(WORKSPACES.map((id) => [id, null, null, 1]));
  const builds = await runCli(['state', 'builds', '--dir', repository.directory]);
  expect(builds.stdout.trim().split('\n')).toEqual(
    WORKSPACES.map((id): unknown =>
      expect.stringMatching(new RegExp(`^${id} +[0-9a-f]{7} +SUCCESS `)),
    ),
  );

  const calls = await terraform.calls();
  const applies = calls.filter((call) => call.command === 'apply' && call.stale !== true);
  const plans = applies.map((call) => call.plan);
  expect(new Set(plans).size).toBe(plans.length);
  expect(calls.filter((call) => call.stale === true)).toEqual([]);
  expect(Object.fromEntries(WORKSPACES.map((id) => [id, count(applies, id)]))).toEqual(needed);
  expectOneTerraformAtATimePerFolder(calls);
}

function count(calls: readonly StandInCall[], workspace: string): number {
  return calls.filter((call) => call.workspace === workspace).length;
}

function expectOneTerraformAtATimePerFolder(calls: readonly StandInCall[]): void {
  for (const folder of new Set(calls.map((call) => call.folder))) {
    const inFolder = calls.filter((call) => call.folder === folder);
    const sorted = inFolder.toSorted((a, b) => a.started - b.started);
    for (const [index, call] of sorted.slice(1).entries()) {
      const before = sorted[index] as StandInCall;
      expect(
        call.started >= before.ended,
        `${folder}: ${call.command} (pid ${call.pid}) started while ${before.command} (pid ${before.pid}) ran`,
      ).toBe(true);
    }
  }
}

const appliedOnce = Object.fromEntries(WORKSPACES.map((id) => [id, 1]));

describe('infrastream run --apply, killed', () => {
  it.each([0, 300])(
    'during parse and record (%i ms in): the next run finishes the revision',
    async (delayMs) => {
      // Slow enough that the run cannot end before the kill, even on a busy machine.
      const killed = startRun(terraform.env({ init: 2000 }));
      await until(() => killed.output().includes('infrastream run:'), 'the run to start');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await kill(killed);
      await expectFinished(appliedOnce);
    },
    TIMEOUT,
  );

  it(
    'between workspaces: the ended ones are not built again, the other is waited for',
    async () => {
      const killed = startRun(terraform.env({ 'apply organization': 3000 }));
      await until(
        async () => (await calls('apply')) === 2,
        'two workspaces to be applied, and the third applying',
      );
      await kill(killed);
      await expectFinished(appliedOnce);
    },
    TIMEOUT,
  );

  it(
    'during the applies: they finish, the next run waits for them and applies nothing again',
    async () => {
      const killed = startRun(terraform.env({ apply: 2000 }));
      await until(async () => (await calls('show')) === 3, 'three plans to be shown');
      // The applies start as their shows end.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await kill(killed);
      await expectFinished(appliedOnce);
    },
    TIMEOUT,
  );
});

describe('infrastream serve --apply, started on the folder of a killed run', () => {
  it(
    'finishes the revision as it starts, before any push: the ended workspaces are not built again',
    async () => {
      // Recorded as serve records it, so that both keep one state.
      const served = ['--repository', 'acme/platform#42'];
      const killed = startRun(terraform.env({ 'apply organization': 3000 }), [
        'run',
        '--apply',
        repository.directory,
        ...served,
      ]);
      await until(
        async () => (await calls('apply')) === 2,
        'two workspaces to be applied, and the third applying',
      );
      await kill(killed);
      const serve = startRun({ ...terraform.env(), INFRASTREAM_WEBHOOK_SECRETS: 'secret' }, [
        'serve',
        repository.directory,
        '--apply',
        '--port',
        '0',
        ...served,
      ]);
      try {
        await until(async () => {
          const state = await runCli(
            ['state', 'workspaces', '--dir', repository.directory, '--format', 'json'],
            { timeoutMs: 10_000 },
          );
          const workspaces = JSON.parse(state.stdout || '[]') as {
            running: unknown;
            lastApplied: { sequence: number } | null;
          }[];
          return (
            workspaces.length === WORKSPACES.length &&
            workspaces.every((item) => item.running === null && item.lastApplied?.sequence === 1)
          );
        }, 'serve to finish the revision');
      } finally {
        const exited = new Promise((resolve) => serve.child.once('exit', resolve));
        serve.child.kill('SIGTERM');
        await exited;
      }
      expect(serve.output()).toMatch(/^resuming what an interrupted run left: [1-3] builds$/m);
      const applies = (await terraform.calls()).filter(
        (call) => call.command === 'apply' && call.stale !== true,
      );
      expect(Object.fromEntries(WORKSPACES.map((id) => [id, count(applies, id)]))).toEqual(
        appliedOnce,
      );
    },
    TIMEOUT,
  );
});

describe('two infrastream run --apply at once on one folder', () => {
  it(
    'one applies, the other exits 3 naming it; nothing is applied twice',
    async () => {
      const env = terraform.env({ apply: 1000 });
      const [first, second] = await Promise.all([
        runCli(['run', '--apply', repository.directory], { env }),
        runCli(['run', '--apply', repository.directory], { env }),
      ]);
      const runs = [first, second].toSorted((a, b) => a.code - b.code);
      expect(runs.map((run) => run.code)).toEqual([0, 3]);
      expect(runs[1]?.stderr).toMatch(
        /^infrastream run: \S+\/\.infrastream\/lock is held by infrastream run --apply \S+ \(pid \d+, since \S+\); one run or serve at a time per folder: try again once it has finished\n$/,
      );
      expect(runs[0]?.stdout).toMatch(/builds {5}3 \(3 applied\)/);
      await expectFinished(appliedOnce);
    },
    TIMEOUT,
  );
});
