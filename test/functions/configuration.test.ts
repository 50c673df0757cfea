import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { governedRepositoryFrom, pipelinePortsFrom } from '../../functions/configuration.ts';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';

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
  INFRASTREAM_RENDER_CONFIG: JSON.stringify({
    ...exampleRenderConfig,
    modules: {
      git: 'git::https://github.com/acme/infrastream.git//terraform-modules',
      ref: 'v1.4.0',
    },
  }),
  INFRASTREAM_CLOUD_BUILD: JSON.stringify({
    project: 'acme-infrastream',
    region: 'europe-west1',
    serviceAccount: 'terraform-builds@acme-infrastream.iam.gserviceaccount.com',
    builderImage: `europe-docker.pkg.dev/acme-ci/infrastream/builder@sha256:${'a'.repeat(64)}`,
    terraformImage: `hashicorp/terraform:1.11.4@sha256:${'b'.repeat(64)}`,
  }),
  FIRESTORE_EMULATOR_HOST: '127.0.0.1:1',
  PUBSUB_EMULATOR_HOST: '127.0.0.1:1',
};

describe('the functions read their configuration from the environment', () => {
  it('wires every port from a complete environment, applying unless told not to', () => {
    expect(pipelinePortsFrom(complete).apply).toBe(true);
    expect(pipelinePortsFrom({ ...complete, INFRASTREAM_APPLY: 'false' }).apply).toBe(false);
  });

  for (const name of [
    'INFRASTREAM_REPOSITORY',
    'INFRASTREAM_GITHUB_APP_ID',
    'INFRASTREAM_GITHUB_PRIVATE_KEY',
    'INFRASTREAM_RENDER_CONFIG',
    'INFRASTREAM_CLOUD_BUILD',
  ] as const) {
    it(`names ${name} when it is missing`, () => {
      expect(() => pipelinePortsFrom({ ...complete, [name]: undefined })).toThrow(name);
    });
  }

  it('governs the repository INFRASTREAM_REPOSITORY names, by GitHub’s id', () => {
    expect(pipelinePortsFrom(complete).repository).toEqual({
      owner: 'acme',
      name: 'platform',
      id: 123456789,
    });
    expect(governedRepositoryFrom({ INFRASTREAM_REPOSITORY: 'acme/platform#42' })).toEqual({
      owner: 'acme',
      name: 'platform',
      id: 42,
    });
    expect(() => governedRepositoryFrom({ INFRASTREAM_REPOSITORY: 'acme/platform' })).toThrow(
      "INFRASTREAM_REPOSITORY: expected OWNER/NAME#ID: GitHub's id is what identifies the repository",
    );
    expect(() => governedRepositoryFrom({ INFRASTREAM_REPOSITORY: 'acme#42' })).toThrow(
      /^INFRASTREAM_REPOSITORY: expected OWNER\/NAME#ID/,
    );
  });

  it('says which variable is not JSON', () => {
    expect(() => pipelinePortsFrom({ ...complete, INFRASTREAM_CLOUD_BUILD: '{' })).toThrow(
      /^INFRASTREAM_CLOUD_BUILD is not JSON/,
    );
  });

  it('names the project variables when neither is set', () => {
    expect(() => pipelinePortsFrom({ ...complete, INFRASTREAM_PROJECT: undefined })).toThrow(
      'GOOGLE_CLOUD_PROJECT is not set',
    );
  });
});
