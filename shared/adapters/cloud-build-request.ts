import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/cloudbuild';
import { attemptTag, BUILD_SUBSTITUTIONS } from '../core/contracts/build-notification.ts';
import { workspaceStatePrefix, type RenderConfig } from '../core/render/render-config.ts';
import type { BuildSubmission } from '../ports/build-service.ts';

type Build = protos.google.devtools.cloudbuild.v1.IBuild;
type BuildStep = protos.google.devtools.cloudbuild.v1.IBuildStep;

/** The steps of a pipeline build, in order; `apply` only when the submission applies. */
export const cloudBuildStepIds = [
  'render-config',
  'render',
  'verify-render',
  'init',
  'validate',
  'plan',
  'show',
  'check-plan',
  'apply',
] as const;

/** A step of a pipeline build. */
export type CloudBuildStepId = (typeof cloudBuildStepIds)[number];

/** The substitution holding the SHA-256 of the root module the pipeline rendered. */
export const ROOT_MODULE_SHA256_SUBSTITUTION = '_ROOT_MODULE_SHA256';

/** The tag every pipeline build carries, so that its builds can be told from others. */
export const INFRASTREAM_BUILD_TAG = 'infrastream';

/** Where a build gets the repository at the commit. */
export type CloudBuildSource =
  /** Fetched anonymously with git from `<host>/<owner>/<name>.git`: public repositories. */
  | { readonly kind: 'git'; readonly host: string }
  /**
   * A repository linked to a Cloud Build (2nd gen) connection, which holds the credentials:
   * `<connection>/repositories/<owner>-<name>`.
   */
  | { readonly kind: 'connection'; readonly connection: string };

/** Where a build gets the repository unless configured otherwise: GitHub, over https. */
export const defaultCloudBuildSource: CloudBuildSource = {
  kind: 'git',
  host: 'https://github.com',
};

/** The step of a drift build that hands its observations back, after `show`. */
export const DRIFT_OUTPUT_STEP_ID = 'drift-output';

/** Everything about a build that does not change from one submission to the next. */
export interface CloudBuildDefinition {
  readonly project: string;
  readonly serviceAccount: string;
  /**
   * The read-only identity the refresh-only drift builds run as; without it no drift build
   * is started, since the build identity can write what it reads.
   */
  readonly driftServiceAccount?: string;
  readonly builderImage: string;
  readonly terraformImage: string;
  readonly renderConfig: RenderConfig;
  readonly source: CloudBuildSource;
  readonly buildTimeoutSeconds: number;
  readonly stepTimeoutSeconds: Readonly<Record<CloudBuildStepId, number>>;
}

/** Where each step works: `.infrastream` is a folder the repository reader never enters. */
const CONFIG_FILE = '.infrastream/render-config.json';
const RENDERED = '.infrastream/rendered';

/**
 * The tags that identify the builds of one workspace at one commit, plan-only or applying.
 * Cloud Build tags match `^[\w][\w.-]{0,127}$`: a workspace id that does not fit (too
 * long, or with characters outside that set) is named by the SHA-256 of the id instead,
 * under a different prefix so that the two forms never meet.
 */
export function cloudBuildTags(
  submission: Pick<BuildSubmission, 'workspace' | 'commit' | 'apply' | 'attempt' | 'driftSweep'>,
): string[] {
  const literal = `workspace_${submission.workspace}`;
  const workspace = /^[\w][\w.-]{0,127}$/.test(literal)
    ? literal
    : `workspace-sha256_${sha256(submission.workspace)}`;
  return [
    INFRASTREAM_BUILD_TAG,
    workspace,
    `commit_${submission.commit}`,
    ...(submission.driftSweep === undefined
      ? [submission.apply ? 'mode_apply' : 'mode_plan']
      : ['mode_drift', `drift_${submission.driftSweep.replace(/[^\w.-]/g, '-')}`]),
    ...[attemptTag(submission.attempt ?? 1)].filter((tag) => tag !== undefined),
  ];
}

/**
 * How long a build may wait in Cloud Build's queue before it expires (`EXPIRED`). Without
 * it a build could wait unbounded, and so would its workspace's lease; an hour is far more
 * than a build waits for a worker outside an incident.
 */
export const QUEUE_TTL_SECONDS = 3600;

/** The SHA-256 of a text as UTF-8, in lowercase hex, as `sha256sum` prints it. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The Cloud Build `Build` of one submission: the repository at the commit, rendered again
 * with the builder image and checked byte for byte against the root module the pipeline
 * planned, then `terraform init`, `validate`, `plan`, `show -json`, the plan policy check,
 * and `apply` of that saved plan when the submission applies.
 */
export function cloudBuildOf(submission: BuildSubmission, definition: CloudBuildDefinition): Build {
  const { workspace, commit, repository } = submission;
  const drift = submission.driftSweep !== undefined;
  if (drift && (submission.apply || definition.driftServiceAccount === undefined)) {
    // A refresh run as the build identity, or one that applies, is not read-only.
    throw new Error(
      submission.apply
        ? `the drift build of workspace "${workspace}" must not apply`
        : `the drift build of workspace "${workspace}" needs the read-only drift identity (driftServiceAccount)`,
    );
  }
  const directory = `${RENDERED}/${workspace}`;
  const timeout = (id: CloudBuildStepId) => ({ seconds: definition.stepTimeoutSeconds[id] });
  // Every substitution must appear in the build: MUST_MATCH refuses unused ones. These make
  // the build's own log say what it builds.
  // The repository as INFRASTREAM_REPOSITORY names it, owner/name#id: the render step keeps the
  // workspace's state under it, as the pipeline did.
  const governed = `$${BUILD_SUBSTITUTIONS.repository}#$${BUILD_SUBSTITUTIONS.repositoryId}`;
  const traced = [
    `INFRASTREAM_REPOSITORY=${governed}`,
    `INFRASTREAM_COMMIT=$${BUILD_SUBSTITUTIONS.commit}`,
    `INFRASTREAM_SEQUENCE=$${BUILD_SUBSTITUTIONS.sequence}`,
    `INFRASTREAM_APPLY=$${BUILD_SUBSTITUTIONS.apply}`,
    ...(drift ? [`INFRASTREAM_DRIFT_SWEEP=$${BUILD_SUBSTITUTIONS.driftSweep}`] : []),
  ];
  const builder = (id: CloudBuildStepId, step: BuildStep): BuildStep => ({
    id,
    name: definition.builderImage,
    timeout: timeout(id),
    ...step,
    env: [...traced, ...(step.env ?? [])],
  });
  const terraform = (id: CloudBuildStepId, args: string[]): BuildStep => ({
    id,
    name: definition.terraformImage,
    entrypoint: 'terraform',
    args,
    dir: directory,
    env: ['TF_IN_AUTOMATION=1', 'TF_INPUT=0'],
    timeout: timeout(id),
  });
  const { bucket } = definition.renderConfig.state;

  const steps: BuildStep[] = [
    // The configuration goes through the environment, not the shell's command line, so that
    // no value of it is ever parsed by the shell. `$` is doubled: Cloud Build substitutes env.
    builder('render-config', {
      entrypoint: 'sh',
      args: ['-c', `mkdir -p .infrastream && printf '%s' "$$RENDER_CONFIG" > ${CONFIG_FILE}`],
      env: [`RENDER_CONFIG=${JSON.stringify(definition.renderConfig).replaceAll('$', '$$$$')}`],
    }),
    builder('render', {
      entrypoint: 'infrastream',
      args: [
        'render',
        '.',
        '--workspace',
        `$${BUILD_SUBSTITUTIONS.workspace}`,
        '--out',
        RENDERED,
        '--config',
        CONFIG_FILE,
        '--repository',
        governed,
      ],
    }),
    // What is applied is what the pipeline planned and showed: the same bytes, or nothing.
    builder('verify-render', {
      entrypoint: 'sh',
      args: ['-c', 'echo "$$EXPECTED_SHA256  $$ROOT_MODULE" | sha256sum -c -'],
      env: [
        `EXPECTED_SHA256=$${ROOT_MODULE_SHA256_SUBSTITUTION}`,
        `ROOT_MODULE=${RENDERED}/$${BUILD_SUBSTITUTIONS.workspace}/main.tf.json`,
      ],
    }),
    terraform('init', [
      'init',
      '-input=false',
      '-no-color',
      // A sweep never takes the state lock: it neither holds up an apply nor waits for one.
      ...(drift ? ['-lock=false'] : []),
      `-backend-config=bucket=${bucket}`,
      `-backend-config=prefix=${workspaceStatePrefix(definition.renderConfig, repository, workspace)}`,
    ]),
    terraform('validate', ['validate', '-no-color']),
    terraform(
      'plan',
      drift
        ? ['plan', '-refresh-only', '-lock=false', '-input=false', '-no-color', '-out=tfplan']
        : ['plan', '-input=false', '-no-color', '-out=tfplan'],
    ),
    {
      ...terraform('show', []),
      entrypoint: 'sh',
      args: ['-c', 'terraform show -json -no-color tfplan > plan.json'],
    },
    ...(drift
      ? [
          // The observations, sensitive values masked, as the build's step output: the
          // plan itself, which holds the state's values, never leaves the build. It takes
          // the time check-plan would, reading the same plan.
          builder('check-plan', {
            id: DRIFT_OUTPUT_STEP_ID,
            entrypoint: 'sh',
            args: [
              '-c',
              'infrastream drift-output plan.json --workspace "$$WORKSPACE" > "$$BUILDER_OUTPUT/output"',
            ],
            env: [`WORKSPACE=$${BUILD_SUBSTITUTIONS.workspace}`],
            dir: directory,
          }),
        ]
      : [
          builder('check-plan', {
            entrypoint: 'infrastream',
            args: ['check-plan', 'plan.json'],
            dir: directory,
          }),
          ...(submission.apply
            ? [terraform('apply', ['apply', '-input=false', '-no-color', 'tfplan'])]
            : []),
        ]),
  ];

  return {
    source: sourceOf(definition.source, repository, commit),
    steps,
    substitutions: {
      [BUILD_SUBSTITUTIONS.repository]: `${repository.owner}/${repository.name}`,
      [BUILD_SUBSTITUTIONS.repositoryId]: String(repository.id ?? ''),
      [BUILD_SUBSTITUTIONS.workspace]: workspace,
      [BUILD_SUBSTITUTIONS.commit]: commit,
      [BUILD_SUBSTITUTIONS.sequence]: String(submission.sequence),
      [BUILD_SUBSTITUTIONS.apply]: String(submission.apply),
      [ROOT_MODULE_SHA256_SUBSTITUTION]: sha256(submission.rootModule),
      ...(drift ? { [BUILD_SUBSTITUTIONS.driftSweep]: submission.driftSweep } : {}),
    },
    tags: cloudBuildTags(submission),
    serviceAccount: `projects/${definition.project}/serviceAccounts/${drift ? definition.driftServiceAccount : definition.serviceAccount}`,
    timeout: { seconds: definition.buildTimeoutSeconds },
    queueTtl: { seconds: QUEUE_TTL_SECONDS },
    options: {
      // A build with its own service account must say where its logs go; Cloud Logging
      // needs no bucket the account would have to write to.
      logging: 'CLOUD_LOGGING_ONLY',
      substitutionOption: 'MUST_MATCH',
    },
  };
}

function sourceOf(
  source: CloudBuildSource,
  repository: BuildSubmission['repository'],
  commit: string,
): protos.google.devtools.cloudbuild.v1.ISource {
  return source.kind === 'git'
    ? {
        gitSource: {
          url: `${source.host}/${repository.owner}/${repository.name}.git`,
          revision: commit,
        },
      }
    : {
        connectedRepository: {
          repository: `${source.connection}/repositories/${repository.owner}-${repository.name}`,
          revision: commit,
        },
      };
}
