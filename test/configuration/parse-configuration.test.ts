import { parseDriftSchedule } from '../../shared/core/drift/drift-schedule.ts';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseConfiguration,
  type Environment,
} from '../../shared/core/configuration/parse-configuration.ts';
import {
  settingDefinitions,
  type Runtime,
  type SettingName,
} from '../../shared/core/configuration/settings.ts';
import {
  deploymentCloudBuildOptions,
  deploymentRenderConfig,
} from '../support/loopback-pipeline-ports.ts';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

function parseSchedule(expression: string) {
  const parsed = parseDriftSchedule(expression);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.schedule;
}

/** One setting: a runtime that reads it, a valid value, an invalid one and what is said of it. */
interface SettingCase {
  readonly runtime: Runtime;
  readonly valid: readonly [text: string, value: unknown];
  /** Absent where every text is valid. */
  readonly invalid?: readonly [text: string, message: string];
  /** What the runtime has when the variable is not set: a value, or the error saying so. */
  readonly unset: { readonly value: unknown } | { readonly error: string };
}

const cases: Readonly<Record<SettingName, SettingCase>> = {
  project: {
    runtime: 'stages',
    valid: ['acme-infrastream', 'acme-infrastream'],
    invalid: [
      'Acme',
      'INFRASTREAM_PROJECT: expected a Google Cloud project id (6-30 lowercase letters, digits, hyphens), found "Acme"',
    ],
    unset: {
      error:
        "INFRASTREAM_PROJECT is not set: expected the Google Cloud project of the pipeline's Firestore database and Pub/Sub topics",
    },
  },
  repository: {
    runtime: 'ingest',
    valid: ['acme/platform#42', { owner: 'acme', name: 'platform', id: 42 }],
    invalid: [
      'acme/platform',
      'INFRASTREAM_REPOSITORY: expected OWNER/NAME#ID: GitHub\'s id is what identifies the repository, found "acme/platform"',
    ],
    unset: {
      error:
        "INFRASTREAM_REPOSITORY is not set: expected the one repository the pipeline governs, `OWNER/NAME#ID` with GitHub's numeric id (`gh api repos/OWNER/NAME --jq .id`): pushes of any other are refused, and its state and the workspaces' Terraform state are kept under the id",
    },
  },
  firestoreDatabase: {
    runtime: 'state',
    valid: ['pipeline', 'pipeline'],
    invalid: [
      'Pipeline_DB',
      'INFRASTREAM_FIRESTORE_DATABASE: expected a Firestore database id: (default), or 4-63 lowercase letters, digits and hyphens, found "Pipeline_DB"',
    ],
    unset: { value: '(default)' },
  },
  topicPrefix: {
    runtime: 'stages',
    valid: ['acme-', 'acme-'],
    invalid: [
      '1-',
      'INFRASTREAM_TOPIC_PREFIX: expected the start of a Pub/Sub topic id: a letter, then letters, digits and - _ . ~ + %, found "1-"',
    ],
    unset: { value: 'infrastream-' },
  },
  firestoreEmulatorHost: {
    runtime: 'serve',
    valid: ['127.0.0.1:8081', '127.0.0.1:8081'],
    invalid: [
      '8081',
      'FIRESTORE_EMULATOR_HOST: expected host:port, such as 127.0.0.1:8081, found "8081"',
    ],
    unset: { value: undefined },
  },
  pubsubEmulatorHost: {
    runtime: 'ingest',
    valid: ['localhost:8085', 'localhost:8085'],
    invalid: [
      'http://localhost:8085',
      'PUBSUB_EMULATOR_HOST: expected host:port, such as 127.0.0.1:8081, found "http://localhost:8085"',
    ],
    unset: { value: undefined },
  },
  webhookSecrets: {
    runtime: 'serve',
    valid: ['new-secret, old-secret', ['new-secret', 'old-secret']],
    invalid: [
      ' , ',
      'INFRASTREAM_WEBHOOK_SECRETS: expected at least one secret, comma-separated while rotating, found a value that is not shown, being secret',
    ],
    unset: {
      error:
        'INFRASTREAM_WEBHOOK_SECRETS is not set: expected the secrets GitHub signs webhook deliveries with, comma-separated while rotating: a delivery signed with any of them is accepted',
    },
  },
  driftMaxLagMinutes: {
    runtime: 'drift',
    valid: ['30', 30],
    invalid: [
      '1h',
      'INFRASTREAM_DRIFT_MAX_LAG_MINUTES: expected a number of minutes, a whole number above 0, found "1h"',
    ],
    unset: { value: 120 },
  },
  driftSchedule: {
    runtime: 'stages',
    valid: ['30 6 * * 1-5', parseSchedule('30 6 * * 1-5')],
    invalid: [
      '0 * * *',
      'INFRASTREAM_DRIFT_SCHEDULE: expected five cron fields (minute hour day-of-month month day-of-week) such as "0 * * * *", found 4 in "0 * * *"',
    ],
    unset: { value: parseSchedule('0 * * * *') },
  },
  maxBodyBytes: {
    runtime: 'ingest',
    valid: ['1048576', 1048576],
    invalid: [
      'ten',
      'INFRASTREAM_MAX_BODY_BYTES: expected a number of bytes, a whole number above 0, found "ten"',
    ],
    unset: { value: 25 * 1024 * 1024 },
  },
  githubAppId: {
    runtime: 'stages',
    valid: ['4242', 4242],
    invalid: [
      '0',
      'INFRASTREAM_GITHUB_APP_ID: expected the GitHub App\'s id, a whole number above 0, found "0"',
    ],
    unset: {
      error:
        'INFRASTREAM_GITHUB_APP_ID is not set: expected the id of the GitHub App the stages act as (permissions: Contents read and write, Checks read and write, Pull requests read, Administration read, Metadata read)',
    },
  },
  githubPrivateKey: {
    runtime: 'stages',
    valid: [privateKey, privateKey],
    invalid: [
      'hunter2',
      'INFRASTREAM_GITHUB_PRIVATE_KEY: expected the GitHub App private key in PEM, as GitHub downloads it, found a value that is not shown, being secret',
    ],
    unset: {
      error:
        "INFRASTREAM_GITHUB_PRIVATE_KEY is not set: expected the GitHub App's private key, PEM",
    },
  },
  githubInstallationId: {
    runtime: 'stages',
    valid: ['777', 777],
    invalid: [
      '7e2',
      'INFRASTREAM_GITHUB_INSTALLATION_ID: expected the GitHub App installation\'s id, a whole number above 0, found "7e2"',
    ],
    unset: {
      error:
        "INFRASTREAM_GITHUB_INSTALLATION_ID is not set: expected the App's installation on the organization that owns the repository",
    },
  },
  githubApiUrl: {
    runtime: 'stages',
    valid: ['https://github.example.com/api/v3', 'https://github.example.com/api/v3'],
    invalid: [
      'github.example.com',
      'INFRASTREAM_GITHUB_API_URL: expected a URL such as https://github.example.com/api/v3, found "github.example.com"',
    ],
    unset: { value: undefined },
  },
  renderConfig: {
    runtime: 'run',
    valid: [JSON.stringify(deploymentRenderConfig), deploymentRenderConfig],
    invalid: [
      JSON.stringify({ ...deploymentRenderConfig, billingAccount: '0000' }),
      'INFRASTREAM_RENDER_CONFIG: billingAccount: expected a billing account id XXXXXX-XXXXXX-XXXXXX, found "0000"',
    ],
    unset: { value: undefined },
  },
  cloudBuild: {
    runtime: 'stages',
    valid: [JSON.stringify(deploymentCloudBuildOptions), deploymentCloudBuildOptions],
    invalid: [
      '["europe-west1"]',
      'INFRASTREAM_CLOUD_BUILD: expected a JSON object of Cloud Build options, found "[\\"europe-west1\\"]"',
    ],
    unset: {
      error:
        'INFRASTREAM_CLOUD_BUILD is not set: expected the Cloud Build options as JSON: `project`, `region`, `serviceAccount`, `builderImage` and `terraformImage` pinned by digest, optional `source`, `buildTimeoutSeconds`, `stepTimeoutSeconds`',
    },
  },
  apply: {
    runtime: 'stages',
    valid: ['false', false],
    invalid: ['no', 'INFRASTREAM_APPLY: expected true or false, found "no"'],
    unset: { value: true },
  },
  noColor: {
    runtime: 'validate',
    valid: ['1', true],
    // The convention: any value at all turns colour off, so no value is invalid.
    unset: { value: false },
  },
};

/** The value of one setting, and the errors, when only its variable is set. */
function parseOne(name: SettingName, env: Environment) {
  const { runtime } = cases[name];
  const parsed = parseConfiguration(env, runtime);
  const variables = [
    settingDefinitions[name].variable,
    ...settingDefinitions[name].deprecatedNames,
  ] as string[];
  return {
    value: (parsed.settings as Record<string, unknown>)[name],
    errors: parsed.errors.filter((issue) => variables.includes(issue.variable)),
    warnings: parsed.warnings,
  };
}

describe('the configuration parse', () => {
  it('has a case for every setting', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(settingDefinitions).sort());
  });

  for (const [name, setting] of Object.entries(cases) as [SettingName, SettingCase][]) {
    const { variable } = settingDefinitions[name];
    describe(variable, () => {
      it('reads a valid value', () => {
        expect(parseOne(name, { [variable]: setting.valid[0] })).toEqual({
          value: setting.valid[1],
          errors: [],
          warnings: [],
        });
      });

      const { invalid } = setting;
      if (invalid !== undefined) {
        it('says what it expected and what it found', () => {
          expect(parseOne(name, { [variable]: invalid[0] }).errors).toEqual([
            { severity: 'error', variable, message: invalid[1] },
          ]);
        });
      }

      it('has its default, or says that it is required, when unset or empty', () => {
        for (const env of [{}, { [variable]: '' }]) {
          const { value, errors } = parseOne(name, env);
          if ('error' in setting.unset) {
            expect(errors).toEqual([{ severity: 'error', variable, message: setting.unset.error }]);
          } else {
            expect([value, errors]).toEqual([setting.unset.value, []]);
          }
        }
      });
    });
  }

  it('never quotes a secret it refuses', () => {
    const { errors } = parseOne('webhookSecrets', {
      INFRASTREAM_WEBHOOK_SECRETS: ' , ',
    });
    const { errors: keyErrors } = parseOne('githubPrivateKey', {
      INFRASTREAM_GITHUB_PRIVATE_KEY: 'hunter2',
    });
    expect([...errors, ...keyErrors].map((issue) => issue.message).join('\n')).not.toMatch(
      /hunter2|" , "/,
    );
  });

  it('reads only the settings of its runtime', () => {
    const env = { INFRASTREAM_MAX_BODY_BYTES: 'ten', INFRASTREAM_APPLY: 'maybe', NO_COLOR: '1' };
    expect(parseConfiguration(env, 'validate')).toEqual({
      settings: { noColor: true },
      warnings: [],
      errors: [],
    });
  });

  const deprecated = [
    {
      name: 'project',
      old: 'INFRASTREAM_FIRESTORE_PROJECT',
      value: 'acme-infrastream',
      other: 'acme-elsewhere',
    },
    {
      name: 'webhookSecrets',
      old: 'INFRASTREAM_WEBHOOK_SECRET',
      value: 'new-secret,old-secret',
      other: 'another-secret',
    },
  ] as const;

  for (const { name, old, value, other } of deprecated) {
    const { variable } = settingDefinitions[name];

    it(`reads ${old}, deprecated, as ${variable}, with a warning`, () => {
      const warning = {
        severity: 'warning',
        variable: old,
        message: `${old} is deprecated: set ${variable} instead (the value of ${old} is used meanwhile)`,
      };
      const byOldName = parseOne(name, { [old]: value });
      expect(byOldName).toEqual({
        value: parseOne(name, { [variable]: value }).value,
        errors: [],
        warnings: [warning],
      });
      // Both set to the same value: nothing is ambiguous, but the old name should go.
      expect(parseOne(name, { [old]: value, [variable]: value }).warnings).toEqual([warning]);
    });

    it(`refuses ${old} and ${variable} set to different values`, () => {
      const both = parseOne(name, { [old]: other, [variable]: value });
      expect(both.errors).toEqual([
        {
          severity: 'error',
          variable: old,
          message: `${old} and ${variable} are both set, to different values: expected only ${variable} (${old} is its deprecated name), found both`,
        },
      ]);
      expect(both.value).toBeUndefined();
    });
  }
});
