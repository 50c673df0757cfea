import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import { baseOrganization } from '../support/base-organization.ts';
import { runCli } from '../support/run-cli.ts';

describe('infrastream render: the state of each workspace is under the repository', () => {
  let folder: string;
  let repository: string;
  let config: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'infrastream-render-'));
    repository = join(folder, 'repository');
    for (const [path, bytes] of baseOrganization) {
      await mkdir(dirname(join(repository, path)), { recursive: true });
      await writeFile(join(repository, path), bytes);
    }
    config = join(folder, 'config.json');
    await writeFile(config, JSON.stringify(exampleRenderConfig));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function backendPrefix(out: string): Promise<string> {
    const text = await readFile(join(out, 'organization', 'main.tf.json'), 'utf8');
    return (JSON.parse(text) as { terraform: { backend: { gcs: { prefix: string } } } }).terraform
      .backend.gcs.prefix;
  }

  it('renders with placeholders, a placeholder repository among them, with no configuration', async () => {
    const out = join(folder, 'placeholders');
    const run = await runCli(['render', repository, '--out', out, '--workspace', 'organization']);
    expect(run.code).toBe(0);
    expect(await backendPrefix(out)).toBe('workspaces/0/organization');
  });

  it('requires the repository with a configuration, and keeps the state under its id', async () => {
    const out = join(folder, 'configured');
    const args = ['render', repository, '--out', out, '--workspace', 'organization'];
    const missing = await runCli([...args, '--config', config]);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([
      2,
      'infrastream render: --repository is required with --config: the state of each workspace is kept under the repository (OWNER/NAME#ID)',
    ]);
    const malformed = await runCli([...args, '--config', config, '--repository', '42']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--repository: expected OWNER/NAME#ID');
    const run = await runCli([...args, '--config', config, '--repository', 'acme/platform#42']);
    expect(run.code).toBe(0);
    expect(await backendPrefix(out)).toBe('workspaces/42/organization');
  });
});
