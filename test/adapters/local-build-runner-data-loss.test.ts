import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalBuildRunner } from '../../shared/adapters/local-build-runner.ts';
import { ALLOWED_REPLACEMENTS_OUTPUT } from '../../shared/core/render/allowed-replacements.ts';

/**
 * A terraform that plans what it is given: `show -json` prints the plan in `FAKE_PLAN`,
 * and `apply` only records that it ran. The google provider, which a plan replacing a
 * bucket needs, cannot be downloaded here.
 */
const script = String.raw`
const { appendFileSync, readFileSync, writeFileSync } = require('node:fs');
const [command, ...args] = process.argv.slice(2);
appendFileSync(process.env.FAKE_CALLS, command + '\n');
if (command === 'plan') {
  writeFileSync(args.find((arg) => arg.startsWith('-out=')).slice(5), 'saved plan');
  process.exitCode = 2;
} else if (command === 'show') {
  console.log(readFileSync(process.env.FAKE_PLAN, 'utf8'));
}
`;

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(
    folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })),
  );
});

/** A plan replacing the bucket of the call `bucket_scans`, allowed by the rendered root or not. */
function bucketReplacement(allowed: boolean) {
  return {
    format_version: '1.2',
    planned_values: { root_module: {} },
    resource_changes: [
      {
        address: 'module.bucket_scans.google_storage_bucket.this',
        module_address: 'module.bucket_scans',
        mode: 'managed',
        type: 'google_storage_bucket',
        name: 'this',
        change: {
          actions: ['delete', 'create'],
          before: {},
          after: { public_access_prevention: 'enforced', uniform_bucket_level_access: true },
        },
      },
    ],
    configuration: {
      root_module: {
        module_calls: { bucket_scans: { source: '../../terraform-modules/bucket' } },
        ...(allowed
          ? {
              outputs: {
                [ALLOWED_REPLACEMENTS_OUTPUT]: {
                  expression: {
                    constant_value: { 'module.bucket_scans': 'moved to europe-west1' },
                  },
                },
              },
            }
          : {}),
      },
    },
  };
}

async function build(plan: unknown) {
  const directory = await mkdtemp(join(tmpdir(), 'infrastream-data-loss-'));
  folders.push(directory);
  const terraform = join(directory, 'terraform');
  await writeFile(terraform, `#!${process.execPath}\n${script}`);
  await chmod(terraform, 0o755);
  await writeFile(join(directory, 'plan.json'), JSON.stringify(plan));
  const workspace = join(directory, 'workspace');
  await mkdir(workspace);
  await writeFile(join(workspace, 'main.tf.json'), '{}');
  const runner = createLocalBuildRunner({
    stateDir: join(directory, 'state'),
    terraform,
    env: { FAKE_PLAN: join(directory, 'plan.json'), FAKE_CALLS: join(directory, 'calls') },
  });
  const result = await runner.run({
    workspace: 'warehouse.production.floor-devices',
    commit: 'c1',
    sequence: 1,
    directory: workspace,
    apply: true,
  });
  const calls = (await readFile(join(directory, 'calls'), 'utf8')).trim().split('\n');
  return { result, calls };
}

describe('the local build runner, before apply', () => {
  it('refuses a plan that replaces a bucket its manifests do not allow to lose, and does not apply it', async () => {
    const { result, calls } = await build(bucketReplacement(false));
    expect(result.status).toBe('refused');
    expect(result.reason).toMatch(
      /^refused by the plan guard \(plan\/protected-destroy\): module\.bucket_scans\.google_storage_bucket\.this: the plan replaces this google_storage_bucket, losing every object in the bucket/,
    );
    expect(calls).toEqual(['init', 'validate', 'plan', 'show']);
  });

  it('applies it when the rendered root allows the call', async () => {
    const { result, calls } = await build(bucketReplacement(true));
    expect(result.status).toBe('succeeded');
    expect(calls).toEqual(['init', 'validate', 'plan', 'show', 'apply']);
  });

  it('refuses what show printed when it is not a plan', async () => {
    const { result, calls } = await build({ resource_changes: [] });
    expect(result.status).toBe('refused');
    expect(result.reason).toMatch(/^refused by the plan guard: not a Terraform plan/);
    expect(calls).not.toContain('apply');
  });
});
