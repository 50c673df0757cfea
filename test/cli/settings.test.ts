import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import { unstagedOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { expectEnvironmentError, runCli } from '../support/run-cli.ts';

/** What serve needs besides, so that only the setting under test is at fault. */
const serving = {
  INFRASTREAM_WEBHOOK_SECRETS: 'secret',
  INFRASTREAM_REPOSITORY: 'acme/platform#42',
};
/** A server that did start would be killed here, and the test would say so. */
const timeoutMs = 20_000;
const PLACEHOLDERS = 'organizationId, billingAccount, state.bucket, hub.projectId, logBucket';

describe('settings, through the real CLI', () => {
  let repository: TestRepository;
  let scratch: string;

  beforeAll(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(unstagedOrganization));
    await repository.commit('The base organization');
    scratch = await mkdtemp(join(tmpdir(), 'infrastream-settings-'));
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  /** Whether a command left the state folder: a refused one must not have started. */
  const stateFolderExists = () =>
    access(join(repository.directory, '.infrastream')).then(
      () => true,
      () => false,
    );

  it('stops on a setting that is not valid: one line naming the variable, what was expected and what was found', async () => {
    const dir = repository.directory;
    const cases = [
      {
        args: ['state', '--dir', dir],
        env: { INFRASTREAM_PROJECT: 'Acme Infra' },
        named: [
          'infrastream state: INFRASTREAM_PROJECT: expected a Google Cloud project id',
          'found "Acme Infra"',
        ],
      },
      {
        args: ['serve', dir, '--port', '0'],
        env: { ...serving, INFRASTREAM_MAX_BODY_BYTES: 'ten' },
        named: ['infrastream serve: INFRASTREAM_MAX_BODY_BYTES: expected a number', 'found "ten"'],
      },
      {
        args: ['run', dir],
        env: { INFRASTREAM_REPOSITORY: 'platform' },
        named: ['infrastream run: INFRASTREAM_REPOSITORY: expected OWNER/NAME#ID', '"platform"'],
      },
      {
        args: ['run', dir],
        env: { INFRASTREAM_RENDER_CONFIG: '{"organizationId": ' },
        named: [
          'infrastream run: INFRASTREAM_RENDER_CONFIG: expected the render configuration as JSON',
        ],
      },
    ];
    for (const { args, env, named } of cases) {
      expectEnvironmentError(await runCli(args, { env, timeoutMs }), ...named);
    }
    expect(await stateFolderExists()).toBe(false);
  });

  it('refuses a deprecated name and its new one set to different values', async () => {
    const result = await runCli(['serve', repository.directory, '--port', '0'], {
      env: { ...serving, INFRASTREAM_WEBHOOK_SECRET: 'another-secret' },
      timeoutMs,
    });
    expectEnvironmentError(
      result,
      'INFRASTREAM_WEBHOOK_SECRET and INFRASTREAM_WEBHOOK_SECRETS are both set, to different values',
    );
    expect(result.stderr).not.toContain('another-secret');
  });

  it('reads a deprecated name with one line of warning, and uses its value', async () => {
    // The secret is read from the old name, so serve goes on, to the folder it refuses.
    const result = await runCli(['serve', scratch, '--port', '0'], {
      env: { INFRASTREAM_WEBHOOK_SECRET: 'secret', INFRASTREAM_REPOSITORY: 'acme/platform#42' },
      timeoutMs,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'infrastream serve: warning: INFRASTREAM_WEBHOOK_SECRET is deprecated: set INFRASTREAM_WEBHOOK_SECRETS instead (the value of INFRASTREAM_WEBHOOK_SECRET is used meanwhile)',
      `infrastream serve: ${scratch} is not in a git repository: serve reads each pushed commit from it (clone the repository there)`,
    ]);
  });

  it('run --apply refuses the example’s placeholders, with or without --config, and applies nothing', async () => {
    const config = join(scratch, 'example-config.json');
    await writeFile(config, JSON.stringify(exampleRenderConfig));
    for (const args of [
      ['run', repository.directory, '--apply'],
      ['run', repository.directory, '--apply', '--config', config],
    ]) {
      expectEnvironmentError(
        await runCli(args),
        `infrastream run: --apply needs the organization's own render configuration, and ${PLACEHOLDERS} are the example's placeholders`,
        '--config FILE or INFRASTREAM_RENDER_CONFIG',
      );
    }
    expectEnvironmentError(
      await runCli(['run', repository.directory, '--apply'], {
        env: { INFRASTREAM_RENDER_CONFIG: JSON.stringify(exampleRenderConfig) },
      }),
      "are the example's placeholders",
    );
    expect(await stateFolderExists()).toBe(false);
  });

  it('serve --apply refuses the example’s placeholders', async () => {
    expectEnvironmentError(
      await runCli(['serve', repository.directory, '--port', '0', '--apply'], {
        env: serving,
        timeoutMs,
      }),
      `infrastream serve: --apply needs the organization's own render configuration, and ${PLACEHOLDERS} are the example's placeholders`,
    );
    expect(await stateFolderExists()).toBe(false);
  });

  it('run records the repository INFRASTREAM_REPOSITORY names, by its id, as serve does', async () => {
    const run = await runCli(['run', repository.directory], {
      env: { INFRASTREAM_REPOSITORY: 'acme/platform#42' },
    });
    expect([run.code, run.stderr]).toEqual([0, '']);
    const state = await runCli(['state', '--dir', repository.directory, '--format', 'json']);
    expect(JSON.parse(state.stdout)).toMatchObject({
      repository: { owner: 'acme', name: 'platform', id: 42, defaultBranch: 'main' },
    });
  });
});
