import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalBuildRunner } from '../../shared/adapters/local-build-runner.ts';
import { classifyFailure } from '../../shared/ports/classify-failure.ts';
import { createStandInTerraform } from '../support/stand-in-terraform.ts';

const terraformAvailable = (() => {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const noTerraform = 'terraform is not on PATH';

/** A root module that needs no provider: terraform_data is built into Terraform. */
function module(message: string) {
  return JSON.stringify({
    resource: { terraform_data: { greeting: { input: message } } },
    output: { greeting: { value: '${terraform_data.greeting.output}' } },
  });
}

interface PlannedChanges {
  resource_changes?: { address: string; change: { actions: string[] } }[];
}

const folders: string[] = [];
async function workspace(content: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'infrastream-build-'));
  folders.push(directory);
  await writeFile(join(directory, 'main.tf.json'), content);
  return directory;
}

afterEach(async () => {
  await Promise.all(
    folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })),
  );
});

describe('the local build runner, with real terraform', () => {
  it('inits, validates, plans, shows and applies; then applies nothing again for the same revision and refuses older ones', async (context) => {
    context.skip(!terraformAvailable, noTerraform);
    const stateDir = await mkdtemp(join(tmpdir(), 'infrastream-ledger-'));
    folders.push(stateDir);
    const runner = createLocalBuildRunner({ stateDir });
    const directory = await workspace(module('hello'));
    const request = {
      workspace: 'acme.production.shop',
      commit: 'c1',
      sequence: 1,
      directory,
      apply: true,
    };

    const first = await runner.run(request);
    expect(first.status).toBe('succeeded');
    expect(first.steps.map((step) => [step.name, step.exitCode])).toEqual([
      ['init', 0],
      ['validate', 0],
      ['plan', 2],
      ['show', 0],
      ['apply', 0],
    ]);
    expect(
      (first.planJson as PlannedChanges).resource_changes?.map((change) => [
        change.address,
        change.change.actions,
      ]),
    ).toEqual([['terraform_data.greeting', ['create']]]);
    expect(first.steps.at(-1)?.log).toContain('Apply complete! Resources: 1 added');
    expect(first.planDigest).toMatch(/^[0-9a-f]{64}$/);

    // As a takeover after a kill that lost the outcome asks: the workspace is at c1 already.
    const again = await runner.run(request);
    expect(again.status).toBe('succeeded');
    expect(again.steps.map((step) => [step.name, step.exitCode])).toEqual([
      ['init', 0],
      ['validate', 0],
      ['plan', 0],
      ['show', 0],
    ]);

    await writeFile(join(directory, 'main.tf.json'), module('stale'));
    const stale = await runner.run({ ...request, commit: 'c0', sequence: 0 });
    expect(stale.status).toBe('refused');
    expect(stale.reason).toBe(
      'commit c0 (sequence 0) is not newer than c1 (sequence 1), which is applied',
    );

    const newer = await runner.run({ ...request, commit: 'c2', sequence: 2 });
    expect(newer.status).toBe('succeeded');
    expect((newer.planJson as PlannedChanges).resource_changes?.[0]?.change.actions).toEqual([
      'update',
    ]);
  });

  it('plans without applying and without touching the ledger', async (context) => {
    context.skip(!terraformAvailable, noTerraform);
    const stateDir = await mkdtemp(join(tmpdir(), 'infrastream-ledger-'));
    folders.push(stateDir);
    const runner = createLocalBuildRunner({ stateDir });
    const directory = await workspace(module('plan only'));
    const planned = await runner.run({
      workspace: 'w',
      commit: 'c5',
      sequence: 5,
      directory,
      apply: false,
    });
    expect(planned.status).toBe('succeeded');
    expect(planned.steps.map((step) => step.name)).toEqual(['init', 'validate', 'plan', 'show']);
    const applied = await runner.run({
      workspace: 'w',
      commit: 'c1',
      sequence: 1,
      directory,
      apply: true,
    });
    expect(applied.status).toBe('succeeded');
  });

  it('reports a failing step with its exit code and log, and stops there', async (context) => {
    context.skip(!terraformAvailable, noTerraform);
    const stateDir = await mkdtemp(join(tmpdir(), 'infrastream-ledger-'));
    folders.push(stateDir);
    const runner = createLocalBuildRunner({ stateDir });
    const directory = await workspace(
      JSON.stringify({ resource: { terraform_data: { broken: { input: '${var.missing}' } } } }),
    );
    const result = await runner.run({
      workspace: 'w',
      commit: 'c1',
      sequence: 1,
      directory,
      apply: true,
    });
    expect(result.status).toBe('failed');
    expect(result.steps.map((step) => [step.name, step.exitCode])).toEqual([
      ['init', 0],
      ['validate', 1],
    ]);
    expect(result.steps.at(-1)?.log).toContain('Reference to undeclared input variable');
    expect(result.reason).toBe('terraform validate exited with 1');
  });

  it('kills a step that outlives its timeout', async (context) => {
    context.skip(!terraformAvailable, noTerraform);
    const stateDir = await mkdtemp(join(tmpdir(), 'infrastream-ledger-'));
    folders.push(stateDir);
    const runner = createLocalBuildRunner({ stateDir, timeouts: { init: 1 } });
    const directory = await workspace(module('slow'));
    const result = await runner.run({
      workspace: 'w',
      commit: 'c1',
      sequence: 1,
      directory,
      apply: false,
    });
    expect(result.status).toBe('failed');
    expect(result.steps).toMatchObject([{ name: 'init', timedOut: true, exitCode: null }]);
    expect(result.reason).toBe('terraform init timed out');
  });

  it('refuses to apply over a ledger it cannot read: a permanent failure, never retried', async (context) => {
    context.skip(!terraformAvailable, noTerraform);
    const stateDir = await mkdtemp(join(tmpdir(), 'infrastream-ledger-'));
    folders.push(stateDir);
    await mkdir(join(stateDir, 'ledgers'));
    await writeFile(join(stateDir, 'ledgers', 'w.json'), '{"lastApplied": ');
    const runner = createLocalBuildRunner({ stateDir });
    const directory = await workspace(module('ledger'));

    const failure = await runner
      .run({ workspace: 'w', commit: 'c1', sequence: 1, directory, apply: true })
      .catch((error: unknown) => error);

    expect(classifyFailure(failure)).toMatchObject({
      kind: 'permanent',
      reason: expect.stringMatching(/^the ledger .*w\.json is not JSON/) as unknown,
    });
  });
});

describe('the local build runner, with a stand-in terraform', () => {
  async function standIn() {
    const terraform = await createStandInTerraform();
    folders.push(terraform.directory);
    const stateDir = await mkdtemp(join(tmpdir(), 'infrastream-ledger-'));
    folders.push(stateDir);
    // The stand-in keeps its state per workspace under the folder's parent's name.
    const directory = join(await mkdtemp(join(tmpdir(), 'infrastream-build-')), 'w', 'c1-1');
    folders.push(join(directory, '..', '..'));
    await mkdir(directory, { recursive: true });
    await writeFile(join(directory, 'main.tf.json'), module('hello'));
    const runner = createLocalBuildRunner({
      stateDir,
      terraform: join(terraform.directory, 'bin', 'terraform'),
      env: terraform.env(),
      orphanWaitMs: 500,
    });
    return { terraform, stateDir, directory, runner };
  }

  it('starts no terraform in a folder where one still runs, and says which', async () => {
    const { terraform, directory, runner } = await standIn();
    // A terraform a killed run left: alive, in a process group of its own, named in the folder.
    const orphan = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {
      detached: true,
      stdio: 'ignore',
    });
    const pid = orphan.pid ?? 0;
    const record = { pid, host: hostname(), step: 'apply', startedAt: '2025-01-01T00:00:00Z' };
    await writeFile(join(directory, 'terraform.running.json'), JSON.stringify(record));
    const request = { workspace: 'w', commit: 'c1', sequence: 1, directory, apply: true };
    try {
      const blocked = await runner.run(request);
      expect(blocked).toMatchObject({ status: 'failed', steps: [] });
      expect(blocked.reason).toBe(
        `blocked: terraform apply (pid ${pid}, since 2025-01-01T00:00:00Z) still runs in ${directory}, left by a run that ended, after 1 s of waiting; let it finish or stop it (kill -- -${pid}), then build again`,
      );
      expect(await terraform.calls()).toEqual([]);
    } finally {
      orphan.kill('SIGKILL');
    }
    await new Promise((resolve) => orphan.once('exit', resolve));

    const built = await runner.run(request);
    expect(built.status).toBe('succeeded');
    expect((await terraform.calls()).map((call) => call.command)).toEqual([
      'init',
      'validate',
      'plan',
      'show',
      'apply',
    ]);
    await expect(readFile(join(directory, 'terraform.running.json'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('names the terraform running in the folder while it runs', async () => {
    const { terraform, directory, stateDir } = await standIn();
    const runner = createLocalBuildRunner({
      stateDir,
      terraform: join(terraform.directory, 'bin', 'terraform'),
      env: terraform.env({ apply: 1500 }),
    });
    const building = runner.run({
      workspace: 'w',
      commit: 'c1',
      sequence: 1,
      directory,
      apply: true,
    });
    const build = { finished: false };
    void building.finally(() => (build.finished = true));
    let seen: { pid: number; step: string } | undefined;
    while (seen?.step !== 'apply' && !build.finished) {
      const text = await readFile(join(directory, 'terraform.running.json'), 'utf8').catch(
        () => '',
      );
      if (text !== '') seen = JSON.parse(text) as { pid: number; step: string };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen?.step).toBe('apply');
    expect((await building).status).toBe('succeeded');
    const [apply] = (await terraform.calls()).filter((call) => call.command === 'apply');
    expect(apply?.pid).toBe(seen?.pid);
  });

  it('does not apply a plan that changes nothing, and records the revision as applied', async () => {
    const { terraform, stateDir, directory, runner } = await standIn();
    const request = { workspace: 'w', commit: 'c1', sequence: 1, directory, apply: true };
    expect((await runner.run(request)).status).toBe('succeeded');
    // As a run killed during the apply leaves it: the apply finished, the ledger never heard.
    await rm(join(stateDir, 'ledgers'), { recursive: true });
    const again = await runner.run(request);
    expect(again.status).toBe('succeeded');
    expect(again.steps.map((step) => [step.name, step.exitCode])).toEqual([
      ['init', 0],
      ['validate', 0],
      ['plan', 0],
      ['show', 0],
    ]);
    expect((await terraform.calls()).filter((call) => call.command === 'apply')).toHaveLength(1);
    const stale = await runner.run({ ...request, commit: 'c0', sequence: 0 });
    expect(stale.reason).toBe(
      'commit c0 (sequence 0) is not newer than c1 (sequence 1), which is applied',
    );
  });
});

describe('the local build runner, refresh-only', () => {
  it('plans refresh-only without the lock, shows the drift, applies nothing, and refuses to apply', async () => {
    const terraform = await createStandInTerraform();
    folders.push(terraform.directory);
    const stateDir = await mkdtemp(join(tmpdir(), 'infrastream-ledger-'));
    folders.push(stateDir);
    const directory = join(await mkdtemp(join(tmpdir(), 'infrastream-build-')), 'w', 'c1-1-drift');
    folders.push(join(directory, '..', '..'));
    await mkdir(directory, { recursive: true });
    await writeFile(join(directory, 'main.tf.json'), module('hello'));
    const drift = [
      {
        address: 'terraform_data.greeting',
        type: 'terraform_data',
        change: { actions: ['update'], before: { input: 'hello' }, after: { input: 'changed' } },
      },
    ];
    await terraform.setDrift('w', drift);
    const runner = createLocalBuildRunner({
      stateDir,
      terraform: join(terraform.directory, 'bin', 'terraform'),
      env: terraform.env(),
    });
    const request = { workspace: 'w', commit: 'c1', sequence: 1, directory, refreshOnly: true };

    const refused = await runner.run({ ...request, apply: true });
    expect(refused.status).toBe('refused');
    expect(await terraform.calls()).toEqual([]);

    const result = await runner.run({ ...request, apply: false });
    expect(result.status).toBe('succeeded');
    expect((result.planJson as { resource_drift: unknown }).resource_drift).toEqual(drift);
    const calls = await terraform.calls();
    expect(calls.map((call) => call.command)).toEqual(['init', 'plan', 'show']);
    expect(calls[0]?.args).toContain('-lock=false');
    expect(calls[1]?.args).toEqual(expect.arrayContaining(['-refresh-only', '-lock=false']));
  });
});
