import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOrganization } from '../support/base-organization.ts';
import { runCli } from '../support/run-cli.ts';

describe('infrastream codeowners', () => {
  let repository: string;

  beforeAll(async () => {
    repository = await mkdtemp(join(tmpdir(), 'infrastream-codeowners-'));
    for (const [path, bytes] of baseOrganization) {
      await mkdir(dirname(join(repository, path)), { recursive: true });
      await writeFile(join(repository, path), bytes);
    }
  });

  afterAll(async () => {
    await rm(repository, { recursive: true, force: true });
  });

  it('prints the file exactly, without a trailing newline', async () => {
    const run = await runCli(['codeowners', repository]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('* @acme-corp/platform');
    expect(run.stdout.endsWith('\n')).toBe(false);
    expect(run.stdout).toContain('payments/production/shop/secret.yaml @acme-corp/platform');
  });

  it('writes .github/CODEOWNERS, then finds it up to date', async () => {
    const written = await runCli(['codeowners', repository, '--write']);
    expect(written.code).toBe(0);
    const file = await readFile(join(repository, '.github', 'CODEOWNERS'), 'utf8');
    expect(file).toBe((await runCli(['codeowners', repository])).stdout);
    const check = await runCli(['codeowners', repository, '--check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('is up to date');
  });

  it('shows a diff and exits 1 when the file differs', async () => {
    const target = join(repository, '.github', 'CODEOWNERS');
    const current = await readFile(target, 'utf8');
    await writeFile(
      target,
      current.replace(/^payments\/unit\.yaml .*$/m, 'payments/unit.yaml @someone-else'),
    );
    const check = await runCli(['codeowners', repository, '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('-payments/unit.yaml @someone-else');
    expect(check.stdout).toMatch(/^\+payments\/unit\.yaml @acme-corp\/platform/m);
  });

  it('refuses a repository with errors, and --check with --write', async () => {
    await writeFile(
      join(repository, 'broken.yaml'),
      'apiVersion: lowops.manifests.v1\nkind: Secret\nmetadata: {}\nspec: {}\n',
    );
    const broken = await runCli(['codeowners', repository]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('CODEOWNERS is computed from valid repositories only');
    await rm(join(repository, 'broken.yaml'));
    const both = await runCli(['codeowners', repository, '--check', '--write']);
    expect(both.code).toBe(2);
  });
});
