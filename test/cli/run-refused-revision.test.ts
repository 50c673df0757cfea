import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstagedOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';
import { createStandInTerraform, type StandInTerraform } from '../support/stand-in-terraform.ts';

const PROJECT = 'payments/production/shop/project.yaml';
const DATABASE = 'payments/production/shop/database.yaml';
const ALLOWANCE = `  lifecycle:
    allowReplacement: Moving with the VPN; restored from the last backup
`;

/**
 * A revision applied with the database's allowance, then one that removes the allowance and
 * moves the project to another region: the database cluster would be replaced, its data lost.
 */
describe('infrastream run --apply, when a revision loses data its declarations no longer allow', () => {
  let repository: TestRepository;
  let terraform: StandInTerraform;
  let database: string;
  let project: string;
  let accepted: string;

  beforeAll(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    database = await readFile(join(repository.directory, DATABASE), 'utf8');
    project = await readFile(join(repository.directory, PROJECT), 'utf8');
    await repository.write({ [DATABASE]: `${database}${ALLOWANCE}` });
    accepted = await repository.commit('The base organization, its database allowed to move');
    terraform = await createStandInTerraform();
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
    await rm(terraform.directory, { recursive: true, force: true });
  });

  it('applies the revision that allows it, then refuses the one that dropped the allowance: nothing applied, exit 1', async () => {
    const allowed = await runCli(['run', '--apply', repository.directory], {
      env: terraform.env(),
    });
    expect(allowed.code).toBe(0);
    expect((await terraform.calls()).some((call) => call.command === 'apply')).toBe(true);

    await repository.write({
      [DATABASE]: database,
      [PROJECT]: project.replace('region: europe-west1', 'region: europe-west4'),
    });
    const commit = await repository.commit('The shop moves to europe-west4');
    const before = (await terraform.calls()).length;
    const refused = await runCli(['run', '--apply', repository.directory], {
      env: terraform.env(),
    });
    // Not applied, not even planned: no build of the revision was requested.
    expect((await terraform.calls()).slice(before)).toEqual([]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      new RegExp(`  ! ${PROJECT}:10:11 lifecycle/replaces-data: .*database`),
    );
    expect(refused.stdout).toContain(
      '  refused, nothing applied: the change loses data its declarations do not allow',
    );

    const commits = await runCli(['state', 'commits', '--dir', repository.directory]);
    expect(commits.stdout).toMatch(new RegExp(`${commit.slice(0, 12)} .* deltas refused`));
    const document = await runCli([
      'state',
      'commits',
      commit,
      '--dir',
      repository.directory,
      '--format',
      'json',
    ]);
    expect(document.stdout).toContain('lifecycle/replaces-data');

    // Run again or retried, the revision is still refused, and still applies nothing.
    const again = await runCli(['run', '--apply', repository.directory], {
      env: terraform.env(),
    });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('refused, nothing applied');
    expect((await terraform.calls()).slice(before)).toEqual([]);
    expect(again.stdout).toContain(
      `  a new revision fixes it: it is planned against ${accepted.slice(0, 7)}, the last revision accepted`,
    );
    const retried = await runCli(['retry', repository.directory], {
      env: terraform.env(),
    });
    expect(retried.code).toBe(1);
    expect(retried.stdout).toContain('refused, nothing applied');
    expect((await terraform.calls()).slice(before)).toEqual([]);
    const state = await runCli(['state', '--dir', repository.directory]);
    expect(state.stdout).toContain(`current revision 2: ${commit}`);
    expect(state.stdout).toContain('  refused, nothing applied');
    expect(state.stdout).toContain(
      `  the next revision is planned against the last revision accepted: ${accepted.slice(0, 7)}`,
    );
  });

  it('plans the revision that fixes it against the last one accepted, and applies the move', async () => {
    // The allowance back, the move kept: against the refused revision this would only add
    // the allowance, and nothing of the move would ever be planned or applied.
    await repository.write({ [DATABASE]: `${database}${ALLOWANCE}` });
    const fixed = await repository.commit(
      'The shop moves to europe-west4, its database allowed to',
    );
    const before = (await terraform.calls()).length;
    const run = await runCli(['run', '--apply', repository.directory], { env: terraform.env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`at ${fixed.slice(0, 7)}`);
    expect(run.stdout).toContain(
      `  planned    against ${accepted.slice(0, 7)}, the last revision accepted`,
    );
    // The database cluster replaced: created and destroyed, as the region moves, and said apart.
    expect(run.stdout).toMatch(
      /changes {4}1 workspaces: [1-9]\d* to create, \d+ to change, [1-9]\d* to destroy \([1-9]\d* replaced\)/,
    );
    expect(run.stdout).toMatch(
      /~ payments\.production\.shop: \+\d+ ~\d+ -\d+ -\/\+[1-9]\d* resources/,
    );
    const applied = (await terraform.calls()).slice(before);
    expect(applied.filter((call) => call.command === 'apply')).toHaveLength(1);
  });
});
