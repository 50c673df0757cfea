import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unstagedOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';
import { createStandInTerraform, type StandInTerraform } from '../support/stand-in-terraform.ts';

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

const FAILING = 'payments.production.shop';
const QUOTA = 'Error 403: Quota CPUS exceeded in region europe-west1';

/** The workspaces the stand-in applied since call `from`, in order. */
async function appliedSince(from: number): Promise<string[]> {
  return (await terraform.calls())
    .slice(from)
    .filter((call) => call.command === 'apply' && call.failed !== true)
    .map((call) => call.workspace);
}

describe('a failed apply is reported, kept and built again', () => {
  it('exits 1 naming the workspace and its error; the next run applies only it; the one after, nothing', async () => {
    const failing = await runCli(['run', '--apply', repository.directory], {
      env: terraform.env({}, { [FAILING]: QUOTA }),
    });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('  builds     3 (2 applied, 1 failed)');
    expect(failing.stdout).toContain('    ✓ organization: applied');
    expect(failing.stdout).toContain('    ✓ payments.staging.shop: applied');
    expect(failing.stdout).toContain(`    ✗ ${FAILING}: failed in apply\n`);
    expect(failing.stdout).toContain(`        Error: ${QUOTA}\n`);

    const state = await runCli(['state', 'builds', '--dir', repository.directory]);
    expect(state.stdout).toMatch(new RegExp(`${FAILING} .*FAILURE.*apply.*Error: ${QUOTA}`));

    const before = (await terraform.calls()).length;
    const retry = await runCli(['run', '--apply', repository.directory], { env: terraform.env() });
    expect(retry.stderr).toBe('');
    expect(retry.stdout).toContain(`  retrying   ${FAILING}, which failed at revision 1 (`);
    expect(retry.stdout).toContain(`    ✓ ${FAILING}: applied`);
    expect(retry.stdout).toContain('(attempt 2)');
    expect(retry.code).toBe(0);
    expect(await appliedSince(before)).toEqual([FAILING]);

    const after = (await terraform.calls()).length;
    const again = await runCli(['run', '--apply', repository.directory], { env: terraform.env() });
    expect(again.stdout).toContain('No change');
    expect(again.code).toBe(0);
    expect(await terraform.calls()).toHaveLength(after);
  });

  it('infrastream retry builds the failed workspace named, and says when nothing failed', async () => {
    const env = terraform.env({}, { [FAILING]: QUOTA });
    expect((await runCli(['run', '--apply', repository.directory], { env })).code).toBe(1);
    const planOnly = await runCli(['run', repository.directory], { env });
    expect(planOnly.code).toBe(1);
    expect(planOnly.stdout).toContain(`the builds of ${FAILING} failed`);

    const other = await runCli(['retry', repository.directory, '--workspace', 'organization'], {
      env: terraform.env(),
    });
    expect(other.stdout).toContain('Nothing to retry: no build of organization');
    expect(other.code).toBe(0);

    const stillFailing = await runCli(['retry', repository.directory], { env });
    expect(stillFailing.code).toBe(1);
    expect(stillFailing.stdout).toContain(`    ✗ ${FAILING}: failed in apply (attempt 2)`);

    const before = (await terraform.calls()).length;
    const retry = await runCli(['retry', repository.directory, '--workspace', FAILING], {
      env: terraform.env(),
    });
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain(`    ✓ ${FAILING}: applied`);
    expect(await appliedSince(before)).toEqual([FAILING]);
  });
});
