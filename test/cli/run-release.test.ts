import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baseOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';
import { createStandInTerraform, type StandInTerraform } from '../support/stand-in-terraform.ts';

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

const PRODUCTION = 'payments.production.shop';

async function applied(): Promise<string[]> {
  return (await terraform.calls())
    .filter((call) => call.command === 'apply' && call.failed !== true)
    .map((call) => call.workspace);
}

describe('infrastream run --apply on a release track with an approval policy', () => {
  it('applies staging, holds production and exits 4; release applies it, recorded as who released it', async () => {
    const run = await runCli(['run', '--apply', repository.directory], { env: terraform.env() });
    expect(run.stdout).toContain(
      `    ⏸ ${PRODUCTION}: held: stage main/2 waits for 1 more approval from platform\n`,
    );
    expect(run.stdout).toContain('  held       stage main/2 awaits an approval');
    expect(run.code).toBe(4);
    expect((await applied()).sort()).toEqual(['organization', 'payments.staging.shop']);

    const again = await runCli(['run', '--apply', repository.directory], { env: terraform.env() });
    expect(again.stdout).toContain(`its release stages hold ${PRODUCTION}`);
    expect(again.code).toBe(4);

    const released = await runCli(['release', repository.directory, 'main/2'], {
      env: terraform.env(),
    });
    expect(released.stderr).toBe('');
    expect(released.stdout).toContain('  releasing  stage main/2 of revision 1 (');
    expect(released.stdout).toContain(`    ✓ ${PRODUCTION}: applied`);
    expect(released.code).toBe(0);
    expect((await applied()).filter((workspace) => workspace === PRODUCTION)).toHaveLength(1);

    const events = await runCli(['state', 'events', '--dir', repository.directory]);
    expect(events.stdout).toMatch(/release-held/);
    expect(events.stdout).toMatch(/release-forced/);
    expect(events.stdout).toMatch(/stage-released/);
  });
});
