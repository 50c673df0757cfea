import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { expectEnvironmentError, runCli } from '../support/run-cli.ts';

const run = promisify(execFile);

/** What serve needs besides a folder, so that only the folder, store or port is at fault. */
const serving = {
  env: { INFRASTREAM_WEBHOOK_SECRETS: 'secret', INFRASTREAM_REPOSITORY: 'acme/platform#42' },
  // A server that did start would be killed here, and the test would say so.
  timeoutMs: 20_000,
};

/**
 * Makes a file read-only for this process. Root writes through permissions, not through
 * the immutable attribute; undefined when neither can be had here.
 */
async function makeReadOnly(file: string): Promise<(() => Promise<void>) | undefined> {
  if (process.getuid?.() !== 0) {
    await chmod(file, 0o444);
    return () => chmod(file, 0o644);
  }
  try {
    await run('chattr', ['+i', file]);
    return async () => {
      await run('chattr', ['-i', file]);
    };
  } catch {
    return undefined;
  }
}

describe('environment errors: one line, exit 2, no stack trace', () => {
  let scratch: string;
  let repository: TestRepository;
  let state: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'infrastream-environment-'));
    await mkdir(join(scratch, 'empty'));
    await mkdir(join(scratch, 'not-manifests'));
    await writeFile(join(scratch, 'not-manifests', 'ci.yaml'), 'name: ci\non: push\n');
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(baseOrganization));
    await repository.commit('The base organization');
    state = join(repository.directory, '.infrastream', 'state.sqlite');
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
    await rm(repository.directory, { recursive: true, force: true });
  });

  it.each(['validate', 'plan', 'codeowners', 'run', 'serve'])(
    '%s names a folder that does not exist',
    async (command) => {
      const missing = join(scratch, 'missing');
      const result = await runCli([command, missing], serving);
      expectEnvironmentError(result, `${missing} does not exist`);
    },
  );

  it('state names a --dir that does not exist', async () => {
    const missing = join(scratch, 'missing');
    expectEnvironmentError(await runCli(['state', '--dir', missing]), missing);
  });

  it('validate does not pass a folder without manifests', async () => {
    const empty = await runCli(['validate', join(scratch, 'empty')]);
    expectEnvironmentError(empty, `no manifests in ${join(scratch, 'empty')}`, 'no YAML file');
    expect(empty.stdout).toBe('');
    const others = await runCli(['validate', join(scratch, 'not-manifests'), '--format', 'json']);
    expectEnvironmentError(others, `no manifests in ${join(scratch, 'not-manifests')}`);
    expect(others.stdout).toBe('');
  });

  it('run says a repository has no commits', async () => {
    const fresh = await createTestRepository();
    try {
      const result = await runCli(['run', fresh.directory]);
      expectEnvironmentError(result, fresh.directory, 'without commits');
    } finally {
      await rm(fresh.directory, { recursive: true, force: true });
    }
  });

  it('run records no revision of a commit without manifests', async () => {
    const bare = await createTestRepository();
    try {
      await bare.write({ '.github/workflows/ci.yaml': 'name: ci\non: push\n' });
      await bare.commit('CI only');
      const result = await runCli(['run', bare.directory]);
      expectEnvironmentError(result, `no manifests in ${bare.directory}`, 'nothing was recorded');
      const recorded = await runCli(['state', '--dir', bare.directory]);
      expect(recorded.stderr).toContain('nothing recorded yet');
    } finally {
      await rm(bare.directory, { recursive: true, force: true });
    }
  });

  it('serve refuses a folder that is not in a git repository', async () => {
    const result = await runCli(['serve', join(scratch, 'empty'), '--port', '0'], serving);
    expectEnvironmentError(result, join(scratch, 'empty'), 'not in a git repository');
  });

  it('run, state and serve name a state database that is not one', async () => {
    await mkdir(join(repository.directory, '.infrastream'), { recursive: true });
    await writeFile(state, 'not a database, but long enough to be read as one: '.repeat(100));
    try {
      for (const args of [
        ['run', repository.directory],
        ['state', '--dir', repository.directory],
        ['serve', repository.directory, '--port', '0'],
      ]) {
        const result = await runCli(args, serving);
        expectEnvironmentError(result, state, 'not a database', 'move it aside');
      }
    } finally {
      await rm(state, { force: true });
    }
  });

  it('run names a state database it cannot write', async (context) => {
    const first = await runCli(['run', repository.directory]);
    expect(first.code).toBe(0);
    const restore = await makeReadOnly(state);
    if (restore === undefined) {
      context.skip('cannot make a file read-only here: as root, chattr +i is needed');
      return;
    }
    try {
      const result = await runCli(['run', repository.directory]);
      expectEnvironmentError(result, state, 'readonly', 'writable');
    } finally {
      await restore();
    }
  });

  it('serve names a port in use', async () => {
    const taken: Server = createServer();
    await new Promise<void>((listening) => taken.listen(0, '127.0.0.1', listening));
    const address = taken.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const result = await runCli(['serve', repository.directory, '--port', String(port)], serving);
      expectEnvironmentError(result, `port ${port}`, 'in use', '--port');
    } finally {
      await new Promise((closed) => taken.close(closed));
    }
  });
});
