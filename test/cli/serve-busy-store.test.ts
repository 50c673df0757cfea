import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { deliverWebhook, signedPushWebhook } from '../support/github-webhook.ts';
import { runCli } from '../support/run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/infrastream', import.meta.url));
const HOLDER = fileURLToPath(new URL('../support/sqlite-store-child.ts', import.meta.url));
/** GitHub gives up on a delivery not answered within 10 s. */
const GITHUB_TIMEOUT_MS = 10_000;
/** Process start-up and the stages slow down many times over on a busy machine. */
const SLOW_MS = 120_000;

/** A process of the test, with what it printed so far. */
interface Spawned {
  readonly process: ChildProcess;
  output(): string;
}

function start(args: readonly string[], env: Readonly<Record<string, string>> = {}): Spawned {
  const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: '1', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, output: () => output };
}

/** Polls until `probe` returns something. */
async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS) });
  return { status: response.status, body: await response.json() };
}

describe('infrastream serve while another process holds the state store', () => {
  let repository: TestRepository;
  let head: string;
  const processes: ChildProcess[] = [];

  beforeAll(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(baseOrganization));
    head = await repository.commit('The base organization');
  });

  afterAll(async () => {
    for (const child of processes) child.kill('SIGKILL');
    await rm(repository.directory, { recursive: true, force: true });
  });

  it(
    'answers within GitHub’s 10 s, reports the backlog, and runs the push once the store is free',
    async () => {
      const serve = start([BIN, 'serve', repository.directory, '--port', '0'], {
        INFRASTREAM_WEBHOOK_SECRETS: 'new-secret, old-secret',
        INFRASTREAM_REPOSITORY: 'acme/platform#42',
      });
      processes.push(serve.process);
      const url = await waitFor(
        'serve to listen',
        () => /listening on (\S+)/.exec(serve.output())?.[1],
      );
      const healthz = new URL('/healthz', url).href;

      const holder = start([
        HOLDER,
        join(repository.directory, '.infrastream', 'state.sqlite'),
        'hold',
      ]);
      processes.push(holder.process);
      await waitFor('the holder to hold the store', () =>
        holder.output().includes('holding\n') ? true : undefined,
      );

      const hook = await signedPushWebhook('old-secret', {
        owner: 'acme',
        name: 'platform',
        defaultBranch: 'main',
        ref: 'refs/heads/main',
        before: '0'.repeat(40),
        after: head,
        message: 'The base organization',
      });
      const send = async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: hook.headers,
          body: hook.body,
          signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
        });
        return { status: response.status, body: (await response.json()) as unknown };
      };
      expect(await send()).toEqual({ status: 202, body: { accepted: true, action: 'apply' } });
      // GitHub's redelivery of one still waiting: nothing more to do.
      expect(await send()).toEqual({ status: 200, body: { duplicate: true } });
      expect(await getJson(healthz)).toMatchObject({ status: 200, body: { backlog: 1 } });
      expect(serve.output()).not.toContain('push:');

      holder.process.kill('SIGKILL');
      await waitFor('the push to be built', () =>
        serve.output().includes('builds: done') ? true : undefined,
      );
      const state = await runCli(['state', 'commits', head, '--dir', repository.directory]);
      expect(JSON.parse(state.stdout)).toMatchObject({
        commit: head,
        stages: { record: { sequence: 1 } },
      });
      // Redelivered once recorded: still a duplicate, and processed exactly once.
      expect(await deliverWebhook(url, hook)).toEqual({ status: 200, body: { duplicate: true } });
      expect(await getJson(healthz)).toMatchObject({ status: 200, body: { backlog: 0 } });
      expect(serve.output().match(/^push: /gm)).toHaveLength(1);
      expect(serve.process.exitCode).toBeNull();
    },
    SLOW_MS,
  );
});
