import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';

const PROJECT = 'payments/production/shop/project.yaml';

describe('infrastream run, state and serve on a real git repository', () => {
  let repository: TestRepository;
  let first: string;

  beforeAll(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(baseOrganization));
    first = await repository.commit('The base organization');
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
  });

  it('runs the pipeline on HEAD, then says a second run has nothing to do', async () => {
    const run = await runCli(['run', repository.directory]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`at ${first.slice(0, 7)} (main)`);
    expect(run.stdout).toMatch(/validated {2}\d+ manifests in \d+ files: 0 errors/);
    expect(run.stdout).toMatch(/recorded {3}revision 1: resources \+\d+ ~0 -0/);
    expect(run.stdout).toMatch(/builds {5}\d+ \(0 applied; plan only/);

    const again = await runCli(['run', repository.directory]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No change');
    expect(again.stdout).not.toContain('recorded   revision');
  });

  it('keeps its state folder out of git, and out of what the next run calls uncommitted', async () => {
    // The first test's runs made the state folder.
    expect(await repository.git('status', '--porcelain', '--untracked-files=all')).toBe('');
    const again = await runCli(['run', repository.directory]);
    expect(again.stdout).not.toContain('uncommitted');
    const ignore = await readFile(join(repository.directory, '.infrastream', '.gitignore'), 'utf8');
    expect(ignore.split('\n')).toContain('*');
  });

  it('records a new commit as the next revision and builds only what it changed', async () => {
    const project = new TextDecoder().decode(baseOrganization.get(PROJECT));
    await repository.write({
      [PROJECT]: project.replace(
        '    - 203.0.113.0/24\n',
        '    - 203.0.113.0/24\n    - api.paypal.com\n',
      ),
    });
    await repository.commit('Allow PayPal');
    const run = await runCli(['run', repository.directory]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('recorded   revision 2: resources +0 ~1 -0');
    expect(run.stdout).toContain(
      '~ payments.production.shop: +0 ~0 -0 resources, IAM +0 -0, firewall 0, egress 1',
    );
    expect(run.stdout).toMatch(/changes {4}1 workspaces/);
  });

  it('shows the recorded state', async () => {
    const summary = await runCli(['state', '--dir', repository.directory]);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(/current revision 2: [0-9a-f]{40}/);
    const workspaces = await runCli([
      'state',
      'workspaces',
      '--dir',
      repository.directory,
      '--format',
      'json',
    ]);
    const rows = JSON.parse(workspaces.stdout) as { id: string }[];
    expect(rows.map((row) => row.id)).toContain('payments.production.shop');
    const commit = await runCli([
      'state',
      'commits',
      first.slice(0, 10),
      '--dir',
      repository.directory,
    ]);
    expect(commit.code).toBe(0);
    expect(JSON.parse(commit.stdout)).toMatchObject({
      commit: first,
      stages: { record: { sequence: 1 } },
    });
    const missing = await runCli(['state', 'builds', 'nope', '--dir', repository.directory]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no build "nope"');
  });

  it('refuses a folder that is not in a git repository', async () => {
    const run = await runCli(['run', '/']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not in a git repository');
  });

  it('refuses to serve without the repository it serves, named with its id', async () => {
    const env = { INFRASTREAM_WEBHOOK_SECRETS: 'secret' };
    const timeoutMs = 20_000;
    const missing = await runCli(['serve', repository.directory, '--port', '0'], {
      env,
      timeoutMs,
    });
    expect([missing.code, missing.stdout, missing.stderr.split('\n')[0]]).toEqual([
      2,
      '',
      'infrastream serve: --repository or INFRASTREAM_REPOSITORY is required: the repository whose pushes are served, OWNER/NAME#ID',
    ]);
    const unnumbered = await runCli(
      ['serve', repository.directory, '--port', '0', '--repository', 'acme/platform'],
      { env, timeoutMs },
    );
    expect(unnumbered.code).toBe(2);
    expect(unnumbered.stderr).toContain("pushes are matched by GitHub's repository id");
    const malformed = await runCli(['serve', repository.directory, '--port', '0'], {
      env: { ...env, INFRASTREAM_REPOSITORY: 'platform#42' },
      timeoutMs,
    });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('INFRASTREAM_REPOSITORY: expected OWNER/NAME#ID');
  });

  it('serves the webhook: a signed push runs the stages, a forged one is refused', async () => {
    await repository.write({ 'groups/readers.yaml': groupManifest('readers') });
    const head = await repository.commit('Readers');
    const bin = fileURLToPath(new URL('../../bin/infrastream', import.meta.url));
    const child = spawn(process.execPath, [bin, 'serve', repository.directory, '--port', '0'], {
      env: {
        ...process.env,
        INFRASTREAM_WEBHOOK_SECRETS: 'new-secret, old-secret',
        INFRASTREAM_REPOSITORY: 'acme/platform#42',
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const url = await waitFor(() => /listening on (\S+)/.exec(output)?.[1]);
      const payload = (id: number) =>
        JSON.stringify({
          ref: 'refs/heads/main',
          before: '0'.repeat(40),
          after: head,
          created: false,
          deleted: false,
          forced: false,
          repository: { id, name: 'platform', default_branch: 'main', owner: { login: 'acme' } },
          pusher: { name: 'octocat' },
        });
      const send = async (secret: string, delivery: string, body = payload(42)) =>
        fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-github-delivery': delivery,
            'x-hub-signature-256': await sign(secret, body),
          },
          body,
        });
      expect((await send('forged', 'd-1')).status).toBe(401);
      // Another repository of the same name: refused, and no stage runs.
      const namesake = await send('new-secret', 'd-0', payload(43));
      expect(namesake.status).toBe(403);
      expect(output).not.toContain('push:');
      const accepted = await send('old-secret', 'd-2');
      expect(accepted.status).toBe(202);
      await waitFor(() => (output.includes('builds: done') ? true : undefined));
      expect(output).toContain('push: done');
      expect(output).toContain('manifests: done revision 1');
      expect((await (await send('new-secret', 'd-2')).json()) as unknown).toEqual({
        duplicate: true,
      });
    } finally {
      child.kill('SIGTERM');
    }
  });
});

function groupManifest(name: string): string {
  return `apiVersion: lowops.manifests.v1
kind: OrganizationUserGroup
metadata:
  name: ${name}
  organization: acme
spec:
  description: People who read
  parent: ""
  members:
    users:
      - alice
`;
}

/** Polls until `probe` returns something, for a process's output. */
async function waitFor<T>(probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
