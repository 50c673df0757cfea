import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  functionSettings,
  googleCloudAdapters,
  googleCloudPipeline,
  type Environment,
} from '../../functions/configuration.ts';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import {
  deploymentCloudBuildOptions,
  deploymentRenderConfig,
} from '../support/loopback-pipeline-ports.ts';

// The Cloud Build client made here, as deployed, asks in the background whether it runs on
// Google Cloud; off it, that ends in a warning printed after the tests. Nothing is sent.
process.env['METADATA_SERVER_DETECTION'] = 'none';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const complete = {
  INFRASTREAM_PROJECT: 'acme-infrastream',
  INFRASTREAM_REPOSITORY: 'acme/platform#123456789',
  INFRASTREAM_GITHUB_APP_ID: '4242',
  INFRASTREAM_GITHUB_PRIVATE_KEY: privateKey,
  INFRASTREAM_GITHUB_INSTALLATION_ID: '777',
  INFRASTREAM_RENDER_CONFIG: JSON.stringify(deploymentRenderConfig),
  INFRASTREAM_CLOUD_BUILD: JSON.stringify(deploymentCloudBuildOptions),
  FIRESTORE_EMULATOR_HOST: '127.0.0.1:1',
  PUBSUB_EMULATOR_HOST: '127.0.0.1:1',
};

describe('the functions read their configuration from the environment', () => {
  const adapters = (env: Environment) => googleCloudAdapters(functionSettings(env, 'stages'));

  it('wires every port from a complete environment, applying unless told not to', () => {
    expect(adapters(complete).apply).toBe(true);
    expect(adapters({ ...complete, INFRASTREAM_APPLY: 'false' }).apply).toBe(false);
    expect(adapters(complete).pullRequests).toBeDefined();
    expect(googleCloudPipeline(complete).stages.size).toBe(7);
  });

  for (const name of [
    'INFRASTREAM_PROJECT',
    'INFRASTREAM_REPOSITORY',
    'INFRASTREAM_GITHUB_APP_ID',
    'INFRASTREAM_GITHUB_PRIVATE_KEY',
    'INFRASTREAM_GITHUB_INSTALLATION_ID',
    'INFRASTREAM_RENDER_CONFIG',
    'INFRASTREAM_CLOUD_BUILD',
  ] as const) {
    it(`names ${name} when it is missing`, () => {
      expect(() => functionSettings({ ...complete, [name]: undefined }, 'stages')).toThrow(
        `${name} is not set`,
      );
    });
  }

  it('governs the repository INFRASTREAM_REPOSITORY names, by GitHub’s id', () => {
    expect(adapters(complete).repository).toEqual({
      owner: 'acme',
      name: 'platform',
      id: 123456789,
    });
    const ingest = { ...complete, INFRASTREAM_WEBHOOK_SECRETS: 'secret' };
    expect(
      functionSettings({ ...ingest, INFRASTREAM_REPOSITORY: 'acme/platform#42' }, 'ingest')
        .repository,
    ).toEqual({ owner: 'acme', name: 'platform', id: 42 });
    expect(() =>
      functionSettings({ ...ingest, INFRASTREAM_REPOSITORY: 'acme/platform' }, 'ingest'),
    ).toThrow(
      'INFRASTREAM_REPOSITORY: expected OWNER/NAME#ID: GitHub\'s id is what identifies the repository, found "acme/platform"',
    );
    expect(() =>
      functionSettings({ ...ingest, INFRASTREAM_REPOSITORY: 'acme#42' }, 'ingest'),
    ).toThrow(/^INFRASTREAM_REPOSITORY: expected OWNER\/NAME#ID/);
  });

  it('says which variable is not JSON', () => {
    expect(() => adapters({ ...complete, INFRASTREAM_CLOUD_BUILD: '{' })).toThrow(
      /^INFRASTREAM_CLOUD_BUILD: expected the Cloud Build options as JSON/,
    );
  });

  it('names INFRASTREAM_CLOUD_BUILD when the Cloud Build adapter refuses its options', () => {
    const options = JSON.parse(complete.INFRASTREAM_CLOUD_BUILD) as object;
    expect(() =>
      adapters({
        ...complete,
        INFRASTREAM_CLOUD_BUILD: JSON.stringify({ ...options, region: 'Europe' }),
      }),
    ).toThrow(
      /^INFRASTREAM_CLOUD_BUILD: Cloud Build options are not valid:\n {2}region: expected a Cloud Build region/,
    );
  });

  it('refuses to apply the example’s placeholders, and plans with them when told not to apply', () => {
    const placeholders = {
      ...complete,
      INFRASTREAM_RENDER_CONFIG: JSON.stringify({
        ...exampleRenderConfig,
        modules: deploymentRenderConfig.modules,
      }),
    };
    expect(() => functionSettings(placeholders, 'stages')).toThrow(
      "INFRASTREAM_RENDER_CONFIG: expected the organization's own settings to apply, found the example's placeholders in organizationId, billingAccount, state.bucket, hub.projectId, logBucket",
    );
    expect(functionSettings({ ...placeholders, INFRASTREAM_APPLY: 'false' }, 'stages').apply).toBe(
      false,
    );
  });

  it('logs a deprecated name as a structured warning, and uses its value', () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    try {
      const settings = functionSettings(
        { ...complete, INFRASTREAM_PROJECT: undefined, INFRASTREAM_FIRESTORE_PROJECT: 'old-name' },
        'stages',
      );
      expect(settings.project).toBe('old-name');
    } finally {
      log.mockRestore();
    }
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        severity: 'WARNING',
        variable: 'INFRASTREAM_FIRESTORE_PROJECT',
        message:
          'INFRASTREAM_FIRESTORE_PROJECT is deprecated: set INFRASTREAM_PROJECT instead (the value of INFRASTREAM_FIRESTORE_PROJECT is used meanwhile)',
      },
    ]);
  });
});
