import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstagedOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { deploymentRenderConfig } from '../support/loopback-pipeline-ports.ts';
import { runCli } from '../support/run-cli.ts';

const LOSING = 'payments.production.shop';

/**
 * A `terraform` on PATH whose plan of the workspace `FAKE_LOSING` replaces a bucket, and of
 * every other workspace changes a resource in place; `apply` records the workspace it applies.
 * The google provider, which a real plan of a bucket needs, cannot be downloaded here.
 */
const script = String.raw`
const { appendFileSync, writeFileSync } = require('node:fs');
const { basename, dirname } = require('node:path');
const [command, ...args] = process.argv.slice(2);
const workspace = basename(dirname(process.cwd()));
if (command === 'plan') {
  writeFileSync(args.find((arg) => arg.startsWith('-out=')).slice(5), 'saved plan');
  process.exitCode = 2;
} else if (command === 'show') {
  const losing = workspace === process.env.FAKE_LOSING;
  const change = losing
    ? { address: 'module.bucket_assets.google_storage_bucket.this', module_address: 'module.bucket_assets', type: 'google_storage_bucket', actions: ['delete', 'create'] }
    : { address: 'module.project.google_project.this', module_address: 'module.project', type: 'google_project', actions: ['update'] };
  console.log(JSON.stringify({
    format_version: '1.2',
    planned_values: {},
    resource_changes: [{ address: change.address, module_address: change.module_address, mode: 'managed', type: change.type, name: 'this', change: { actions: change.actions, before: {}, after: { public_access_prevention: 'enforced', uniform_bucket_level_access: true } } }],
  }));
} else if (command === 'apply') {
  appendFileSync(process.env.FAKE_APPLIED, workspace + '\n');
}
`;

describe('infrastream run --apply, when a workspace plan loses data', () => {
  let repository: TestRepository;
  let terraform: string;

  beforeAll(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    await repository.commit('The base organization');
    terraform = await mkdtemp(join(tmpdir(), 'infrastream-terraform-'));
    await mkdir(join(terraform, 'bin'));
    await writeFile(join(terraform, 'bin', 'terraform'), `#!${process.execPath}\n${script}`);
    await chmod(join(terraform, 'bin', 'terraform'), 0o755);
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
    await rm(terraform, { recursive: true, force: true });
  });

  it('does not apply that workspace, applies the others, and exits 1', async () => {
    const applied = join(terraform, 'applied');
    const run = await runCli(['run', '--apply', repository.directory], {
      env: {
        PATH: `${join(terraform, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
        FAKE_LOSING: LOSING,
        FAKE_APPLIED: applied,
        INFRASTREAM_RENDER_CONFIG: JSON.stringify(deploymentRenderConfig),
      },
    });
    expect(run.code).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain(LOSING);
    const workspaces = (await readFile(applied, 'utf8')).trim().split('\n');
    expect(workspaces).not.toContain(LOSING);
    expect(workspaces).toContain('organization');
  });
});
