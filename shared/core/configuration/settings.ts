import * as v from 'valibot';
import {
  GOVERNED_REPOSITORY_FORMAT,
  parseGovernedRepository,
  type GovernedRepository,
} from '../pipeline/governed-repository.ts';
import { renderConfigSchema } from '../render/render-config.ts';
import { parseDriftSchedule, type DriftSchedule } from '../drift/drift-schedule.ts';

/**
 * What reads the configuration: each function deployed in Google Cloud (`ingest`, and the
 * Pub/Sub `stages`) and each command of the CLI that reads settings from the environment.
 */
export type Runtime =
  'ingest' | 'stages' | 'run' | 'serve' | 'state' | 'validate' | 'plan' | 'drift';

/** One setting: the variable that gives it, what it means, and how its text is read. */
export interface SettingDefinition<T> {
  /** The environment variable, the one name every runtime reads it by. */
  readonly variable: string;
  /** Names it had before, still read, with a warning, when the variable is not set. */
  readonly deprecatedNames: readonly string[];
  readonly description: string;
  /** Reads the variable's text; its issues say what was expected. */
  readonly schema: v.GenericSchema<string, T>;
  /** The value when the variable is not set, if it has one everywhere. */
  readonly defaultValue?: T;
  /** The default as the README shows it, also where it is not a value (`run`'s example). */
  readonly shownDefault?: string;
  /** The runtimes that read it. */
  readonly usedBy: readonly Runtime[];
  /** The runtimes that do not start without it. */
  readonly requiredBy: readonly Runtime[];
  /** Never shown: an error says what was expected, not what was found. */
  readonly secret: boolean;
  /** The command-line option that gives it instead, where there is one. */
  readonly option?: string;
}

const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/;

const hostPort = v.pipe(
  v.string(),
  v.regex(HOST_PORT, 'expected host:port, such as 127.0.0.1:8081'),
);

const positiveInteger = (what: string) =>
  v.pipe(
    v.string(),
    v.regex(/^[1-9][0-9]{0,15}$/, `expected ${what}, a whole number above 0`),
    v.transform(Number),
    v.safeInteger(`expected ${what}, a whole number above 0`),
  );

/** `OWNER/NAME#ID`, with the id: GitHub's id is what a webhook and the state are matched by. */
const governedRepository = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }): GovernedRepository => {
    const parsed = parseGovernedRepository(dataset.value);
    if (!parsed.ok) {
      addIssue({ message: parsed.message });
      return NEVER;
    }
    if (parsed.repository.id === undefined) {
      addIssue({
        message: `expected ${GOVERNED_REPOSITORY_FORMAT}: GitHub's id is what identifies the repository, found "${dataset.value}"`,
      });
      return NEVER;
    }
    return parsed.repository;
  }),
);

/** JSON text, parsed; the schema that follows checks its shape. */
const json = (what: string) =>
  v.pipe(
    v.string(),
    v.rawTransform(({ dataset, addIssue, NEVER }): unknown => {
      try {
        return JSON.parse(dataset.value) as unknown;
      } catch (error) {
        addIssue({ message: `expected ${what} as JSON (${(error as Error).message})` });
        return NEVER;
      }
    }),
  );

/**
 * How the placeholder version starts that `infra/` gives each secret, so that the functions can
 * be created before the operator adds the real value: a function refuses it by name.
 */
export const SECRET_PLACEHOLDER_PREFIX = 'INFRASTREAM_PLACEHOLDER';

const notPlaceholder = v.check(
  (text: string) => !text.trimStart().startsWith(SECRET_PLACEHOLDER_PREFIX),
  "expected the secret's real value, not the placeholder version infra/ created: add the value as a new version (docs/deploy.md)",
);

/** The webhook secrets: comma-separated, so that a rotation lists the new and the old one. */
const secretList = v.pipe(
  v.string(),
  notPlaceholder,
  v.transform((text) =>
    text
      .split(',')
      .map((secret) => secret.trim())
      .filter((secret) => secret !== ''),
  ),
  v.minLength(1, 'expected at least one secret, comma-separated while rotating'),
);

const PEM_PRIVATE_KEY =
  /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+-----END (?:RSA )?PRIVATE KEY-----/;

/** The GitHub App's private key, PEM; the key itself is checked when the client is made. */
const privateKey = v.pipe(
  v.string(),
  notPlaceholder,
  v.regex(PEM_PRIVATE_KEY, 'expected the GitHub App private key in PEM, as GitHub downloads it'),
);

const httpUrl = v.pipe(
  v.string(),
  v.url('expected a URL such as https://github.example.com/api/v3'),
  v.regex(/^https?:\/\//, 'expected an https:// URL'),
);

const trueOrFalse = v.pipe(
  v.string(),
  v.picklist(['true', 'false'], 'expected true or false'),
  v.transform((text) => text === 'true'),
);

/** A five-field cron expression in UTC, as Cloud Scheduler reads it. */
const driftSchedule = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }): DriftSchedule => {
    const parsed = parseDriftSchedule(dataset.value);
    if (!parsed.ok) {
      addIssue({ message: parsed.message });
      return NEVER;
    }
    return parsed.schedule;
  }),
);

/** The Cloud Build options: an object here, each field checked by the Cloud Build adapter. */
const cloudBuildOptions = v.pipe(
  json('the Cloud Build options'),
  v.custom<Readonly<Record<string, unknown>>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'expected a JSON object of Cloud Build options',
  ),
);

function parseDriftScheduleOrThrow(expression: string): DriftSchedule {
  const parsed = parseDriftSchedule(expression);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.schedule;
}

/**
 * Every setting of Infrastream, by the name the code reads it by. The README's table of
 * settings is generated from it (`scripts/generate-configuration-table.ts`).
 */
export const settingDefinitions = {
  project: {
    variable: 'INFRASTREAM_PROJECT',
    deprecatedNames: ['INFRASTREAM_FIRESTORE_PROJECT'],
    description:
      "The Google Cloud project of the pipeline's Firestore database and Pub/Sub topics. For the CLI, setting it keeps the state in that project's Firestore instead of `DIR/.infrastream/state.sqlite`.",
    schema: v.pipe(
      v.string(),
      v.regex(
        PROJECT_ID,
        'expected a Google Cloud project id (6-30 lowercase letters, digits, hyphens)',
      ),
    ),
    usedBy: ['ingest', 'stages', 'run', 'serve', 'state', 'drift'],
    requiredBy: ['ingest', 'stages'],
    secret: false,
  },
  repository: {
    variable: 'INFRASTREAM_REPOSITORY',
    deprecatedNames: [],
    description:
      "The one repository the pipeline governs, `OWNER/NAME#ID` with GitHub's numeric id (`gh api repos/OWNER/NAME --jq .id`): pushes of any other are refused, and its state and the workspaces' Terraform state are kept under the id.",
    schema: governedRepository,
    shownDefault: '`run`: `local/<folder>`',
    usedBy: ['ingest', 'stages', 'run', 'serve', 'drift'],
    requiredBy: ['ingest', 'stages'],
    secret: false,
    option: '--repository',
  },
  firestoreDatabase: {
    variable: 'INFRASTREAM_FIRESTORE_DATABASE',
    deprecatedNames: [],
    description: 'The id of the Firestore database.',
    schema: v.pipe(
      v.string(),
      v.regex(
        /^(?:\(default\)|[a-z][a-z0-9-]{2,61}[a-z0-9])$/,
        'expected a Firestore database id: (default), or 4-63 lowercase letters, digits and hyphens',
      ),
    ),
    defaultValue: '(default)',
    usedBy: ['ingest', 'stages', 'run', 'serve', 'state', 'drift'],
    requiredBy: [],
    secret: false,
  },
  topicPrefix: {
    variable: 'INFRASTREAM_TOPIC_PREFIX',
    deprecatedNames: [],
    description:
      "Put before every topic name. Cloud Build's `cloud-builds` topic is subscribed to as Cloud Build names it.",
    schema: v.pipe(
      v.string(),
      v.regex(
        /^[A-Za-z][A-Za-z0-9\-_.~+%]{0,200}$/,
        'expected the start of a Pub/Sub topic id: a letter, then letters, digits and - _ . ~ + %',
      ),
    ),
    defaultValue: 'infrastream-',
    usedBy: ['ingest', 'stages'],
    requiredBy: [],
    secret: false,
  },
  firestoreEmulatorHost: {
    variable: 'FIRESTORE_EMULATOR_HOST',
    deprecatedNames: [],
    description:
      "`host:port` of the Firestore emulator, as Google's tools name it; Firestore itself when unset.",
    schema: hostPort,
    usedBy: ['ingest', 'stages', 'run', 'serve', 'state', 'drift'],
    requiredBy: [],
    secret: false,
  },
  pubsubEmulatorHost: {
    variable: 'PUBSUB_EMULATOR_HOST',
    deprecatedNames: [],
    description:
      "`host:port` of the Pub/Sub emulator, as Google's tools name it; Pub/Sub itself when unset.",
    schema: hostPort,
    usedBy: ['ingest', 'stages'],
    requiredBy: [],
    secret: false,
  },
  webhookSecrets: {
    variable: 'INFRASTREAM_WEBHOOK_SECRETS',
    deprecatedNames: ['INFRASTREAM_WEBHOOK_SECRET'],
    description:
      'The secrets GitHub signs webhook deliveries with, comma-separated while rotating: a delivery signed with any of them is accepted.',
    schema: secretList,
    usedBy: ['ingest', 'serve'],
    requiredBy: ['ingest', 'serve'],
    secret: true,
  },
  maxBodyBytes: {
    variable: 'INFRASTREAM_MAX_BODY_BYTES',
    deprecatedNames: [],
    description: 'Larger webhook bodies are refused before any HMAC is computed over them.',
    schema: positiveInteger('a number of bytes'),
    defaultValue: 25 * 1024 * 1024,
    shownDefault: "`26214400` (25 MiB, GitHub's cap)",
    usedBy: ['ingest', 'serve'],
    requiredBy: [],
    secret: false,
  },
  githubAppId: {
    variable: 'INFRASTREAM_GITHUB_APP_ID',
    deprecatedNames: [],
    description:
      'The id of the GitHub App the stages act as (permissions: Contents read and write, Checks read and write, Pull requests read, Administration read, Metadata read).',
    schema: positiveInteger("the GitHub App's id"),
    usedBy: ['ingest', 'stages', 'drift'],
    requiredBy: ['ingest', 'stages'],
    secret: false,
  },
  githubPrivateKey: {
    variable: 'INFRASTREAM_GITHUB_PRIVATE_KEY',
    deprecatedNames: [],
    description: "The GitHub App's private key, PEM.",
    schema: privateKey,
    usedBy: ['stages', 'drift'],
    requiredBy: ['stages'],
    secret: true,
  },
  githubInstallationId: {
    variable: 'INFRASTREAM_GITHUB_INSTALLATION_ID',
    deprecatedNames: [],
    description: "The App's installation on the organization that owns the repository.",
    schema: positiveInteger("the GitHub App installation's id"),
    usedBy: ['stages', 'drift'],
    requiredBy: ['stages'],
    secret: false,
  },
  githubApiUrl: {
    variable: 'INFRASTREAM_GITHUB_API_URL',
    deprecatedNames: [],
    description: "GitHub's REST API root, for GitHub Enterprise Server.",
    schema: httpUrl,
    shownDefault: '`https://api.github.com`',
    usedBy: ['stages', 'drift'],
    requiredBy: [],
    secret: false,
  },
  renderConfig: {
    variable: 'INFRASTREAM_RENDER_CONFIG',
    deprecatedNames: [],
    description:
      'The render configuration as JSON: organization id, billing account, parent folder, project prefix, state bucket, hub network, log bucket and module source (`renderConfigSchema` in `shared/core/render/render-config.ts`). In Google Cloud the modules come from git at a pinned ref.',
    schema: v.pipe(json('the render configuration'), renderConfigSchema),
    shownDefault:
      "`run`, `serve`: the example's placeholders, which plan but never apply (`--apply` refuses them)",
    usedBy: ['stages', 'run', 'serve', 'drift'],
    requiredBy: ['stages'],
    secret: false,
    option: '--config FILE',
  },
  cloudBuild: {
    variable: 'INFRASTREAM_CLOUD_BUILD',
    deprecatedNames: [],
    description:
      'The Cloud Build options as JSON: `project`, `region`, `serviceAccount`, `builderImage` and `terraformImage` pinned by digest, optional `source`, `buildTimeoutSeconds`, `stepTimeoutSeconds`. Optional `driftServiceAccount`: the read-only identity the drift builds run as; without it none is started.',
    schema: cloudBuildOptions,
    usedBy: ['stages'],
    requiredBy: ['stages'],
    secret: false,
  },
  apply: {
    variable: 'INFRASTREAM_APPLY',
    deprecatedNames: [],
    description:
      '`false` plans the default branch without applying it. The CLI plans only, unless `--apply`.',
    schema: trueOrFalse,
    defaultValue: true,
    usedBy: ['stages'],
    requiredBy: [],
    secret: false,
  },
  driftMaxLagMinutes: {
    variable: 'INFRASTREAM_DRIFT_MAX_LAG_MINUTES',
    deprecatedNames: [],
    description:
      'How long a workspace may wait for a revision it is to be built at before a drift sweep reports it (`pipeline` findings).',
    schema: positiveInteger('a number of minutes'),
    defaultValue: 120,
    usedBy: ['stages', 'drift'],
    requiredBy: [],
    secret: false,
  },
  driftSchedule: {
    variable: 'INFRASTREAM_DRIFT_SCHEDULE',
    deprecatedNames: [],
    description:
      'When the drift sweep runs in Google Cloud: a five-field cron expression in UTC, which `infra/` gives Cloud Scheduler (`drift_schedule`) and the drift stage, which takes a trigger for the latest scheduled time before it.',
    schema: driftSchedule,
    defaultValue: parseDriftScheduleOrThrow('0 * * * *'),
    shownDefault: '`0 * * * *` (hourly)',
    usedBy: ['stages'],
    requiredBy: [],
    secret: false,
  },
  noColor: {
    variable: 'NO_COLOR',
    deprecatedNames: [],
    description: 'Any value but the empty one turns colour off, even on a terminal.',
    schema: v.pipe(
      v.string(),
      v.transform(() => true),
    ),
    defaultValue: false,
    shownDefault: 'colour on a terminal',
    usedBy: ['validate', 'plan', 'run'],
    requiredBy: [],
    secret: false,
  },
} as const satisfies Readonly<Record<string, SettingDefinition<unknown>>>;

type Definitions = typeof settingDefinitions;

/** A setting, by the name the code reads it by. */
export type SettingName = keyof Definitions;

/** The value of a setting, read. */
export type SettingValue<K extends SettingName> = v.InferOutput<Definitions[K]['schema']>;

type HasDefault<K extends SettingName> = Definitions[K] extends { readonly defaultValue: unknown }
  ? true
  : false;
type Reads<R extends Runtime, K extends SettingName> = R extends Definitions[K]['usedBy'][number]
  ? true
  : false;
type Requires<
  R extends Runtime,
  K extends SettingName,
> = R extends Definitions[K]['requiredBy'][number] ? true : false;
/** Whether a runtime always has the setting once parsed: it requires it, or it has a default. */
type AlwaysThere<R extends Runtime, K extends SettingName> =
  HasDefault<K> | Requires<R, K> extends false
  ? false
  : true;

/** The settings a runtime reads that it always has once parsed, or only when set. */
type SettingsOf<R extends Runtime, Always extends boolean> = {
  [K in SettingName]: Reads<R, K> extends true
    ? AlwaysThere<R, K> extends Always
      ? K
      : never
    : never;
}[SettingName];

/**
 * The settings a runtime reads, once parsed: those it requires and those with a default are
 * always there, the others only when set.
 */
export type Settings<R extends Runtime> = {
  readonly [K in SettingsOf<R, true>]: SettingValue<K>;
} & {
  readonly [K in SettingsOf<R, false>]?: SettingValue<K>;
};
