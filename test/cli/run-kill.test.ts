import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baseOrganization } from '../support/base-organization.ts';
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

let repository: TestRepository;
let terraform: StandInTerraform;

beforeEach(async () => {
  repository = await createTestRepository();
  await repository.write(Object.fromEntries(baseOrganization));
  await repository.commit('The base organization');
  terraform = await createStandInTerraform();
});

afterEach(async () => {
  await rm(repository.directory, { recursive: true, force: true });
  await rm(terraform.directory, { recursive: true, force: true });
});

/** `run --apply` as a process of its own, and what it printed so far. */
function startRun(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [bin, 'run', '--apply', repository.directory], {
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

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** How many calls of `command` the stand-in logged (each logs as it ends). */
async function calls(command: string): Promise<number> {
  return (await terraform.calls()).filter((call) => call.command === command).length;
}

/** Runs `run --apply` to the end, then checks the revision finished, each plan applied once. */
async function expectFinished(needed: Readonly<Record<string, number>>): Promise<void> {
  const run = await runCli(['run', '--apply', repository.directory], { env: terraform.env() });
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
      const killed = startRun(terraform.env());
      await until(() => killed.output().includes('infrastream run:'), 'the run to start');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await kill(killed.child);
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
      await kill(killed.child);
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
      await kill(killed.child);
      await expectFinished(appliedOnce);
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
