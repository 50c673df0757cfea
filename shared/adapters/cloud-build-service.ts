import { CloudBuildClient, protos } from '@google-cloud/cloudbuild';
import * as v from 'valibot';
import {
  BUILD_SUBSTITUTIONS,
  buildAttempt,
  buildStates,
  FINAL_BUILD_STATES,
  type BuildState,
} from '../core/contracts/build-notification.ts';
import type { LeaseTerms } from '../core/pipeline/build-leases.ts';
import { isGovernedRepository } from '../core/pipeline/governed-repository.ts';
import { renderConfigSchema } from '../core/render/render-config.ts';
import type { BuildService, BuildSubmission, SubmittedBuild } from '../ports/build-service.ts';
import {
  cloudBuildOf,
  cloudBuildStepIds,
  cloudBuildTags,
  defaultCloudBuildSource,
  QUEUE_TTL_SECONDS,
  type CloudBuildDefinition,
  type CloudBuildStepId,
} from './cloud-build-request.ts';
import { GoogleApiError } from './google-api-error.ts';
import { googleRpcFailure } from './google-rpc-failure.ts';

/** How long each step may take, in seconds, unless configured. */
export const defaultStepTimeoutSeconds: Readonly<Record<CloudBuildStepId, number>> = {
  'render-config': 60,
  render: 600,
  'verify-render': 60,
  init: 600,
  validate: 120,
  plan: 1800,
  show: 300,
  'check-plan': 120,
  apply: 3600,
};

/** How long a whole build may take, in seconds, unless configured: every step at its limit. */
export const DEFAULT_BUILD_TIMEOUT_SECONDS = 3 * 3600;

/** Cloud Build stops any build after 24 hours. */
const MAX_TIMEOUT_SECONDS = 24 * 3600;

const digestPinnedImage = v.pipe(
  v.string(),
  v.regex(
    /^[a-z0-9][a-z0-9.-]*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?@sha256:[0-9a-f]{64}$/,
    'expected an image pinned by digest, such as europe-docker.pkg.dev/project/repository/image@sha256:<64 hex digits>: a tag can be moved, a digest cannot',
  ),
);

const seconds = v.pipe(
  v.number(),
  v.integer('expected a whole number of seconds'),
  v.minValue(1, 'expected at least 1 second'),
  v.maxValue(MAX_TIMEOUT_SECONDS, `expected at most ${MAX_TIMEOUT_SECONDS} seconds (24 hours)`),
);

const serviceAccountEmail = v.pipe(
  v.string(),
  v.regex(
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/,
    'expected the email of a user-managed service account (name@project.iam.gserviceaccount.com)',
  ),
);

const optionsSchema = v.strictObject({
  project: v.pipe(
    v.string(),
    v.regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'expected the project id builds run in'),
  ),
  region: v.pipe(
    v.string(),
    v.regex(/^[a-z]+-[a-z]+\d+$/, 'expected a Cloud Build region such as europe-west1'),
  ),
  serviceAccount: serviceAccountEmail,
  driftServiceAccount: v.optional(serviceAccountEmail),
  builderImage: digestPinnedImage,
  terraformImage: digestPinnedImage,
  renderConfig: v.pipe(
    renderConfigSchema,
    v.check(
      (config) => 'git' in config.modules,
      'expected modules from git at a pinned ref: the build checks out the manifests repository, which does not hold the modules',
    ),
  ),
  source: v.optional(
    v.variant('kind', [
      v.strictObject({
        kind: v.literal('git'),
        host: v.pipe(
          v.string(),
          v.regex(/^https:\/\/[a-z0-9.-]+(?::\d+)?$/, 'expected https://host, without a path'),
        ),
      }),
      v.strictObject({
        kind: v.literal('connection'),
        connection: v.pipe(
          v.string(),
          v.regex(
            /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/connections\/[\w-]+$/,
            'expected projects/PROJECT/locations/REGION/connections/CONNECTION',
          ),
        ),
      }),
    ]),
    defaultCloudBuildSource,
  ),
  buildTimeoutSeconds: v.optional(seconds, DEFAULT_BUILD_TIMEOUT_SECONDS),
  stepTimeoutSeconds: v.optional(
    v.strictObject(
      Object.fromEntries(cloudBuildStepIds.map((id) => [id, v.optional(seconds)])) as Record<
        CloudBuildStepId,
        v.OptionalSchema<typeof seconds, undefined>
      >,
    ),
    {},
  ),
  client: v.optional(v.instance(CloudBuildClient, 'expected a CloudBuildClient')),
});

/** How the Cloud Build adapter is configured; checked when it is created. */
export type CloudBuildServiceOptions = v.InferInput<typeof optionsSchema>;

const submissionSchema = v.object({
  repository: v.object({
    owner: v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'expected a GitHub owner name'),
    ),
    name: v.pipe(
      v.string(),
      v.regex(/^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/, 'expected a GitHub repository name'),
    ),
    // The workspaces' state is kept under it: by name, a rename would lose it.
    id: v.pipe(
      v.number("expected GitHub's repository id: the Terraform state is kept under it"),
      v.safeInteger("expected GitHub's repository id"),
      v.minValue(1, "expected GitHub's repository id"),
    ),
  }),
  // Becomes a path of the build and a state prefix: no empty, `.` or `..` segments.
  workspace: v.pipe(
    v.string(),
    v.regex(
      /^[A-Za-z0-9][\w.-]*(?:\/[A-Za-z0-9][\w.-]*)*$/,
      'expected a workspace id such as organization or payments.production.shop',
    ),
  ),
  commit: v.pipe(
    v.string(),
    v.regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'expected a full commit id in lowercase hex'),
  ),
  sequence: v.pipe(
    v.number(),
    v.safeInteger('expected a whole number'),
    v.minValue(0, 'expected 0 or more'),
  ),
  apply: v.boolean(),
  rootModule: v.pipe(v.string(), v.minLength(1, 'expected the rendered main.tf.json')),
  mayHaveStarted: v.optional(v.boolean()),
  driftSweep: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/,
        'expected a scheduled time to the minute',
      ),
    ),
  ),
  attempt: v.optional(
    v.pipe(
      v.number(),
      v.safeInteger('expected a whole number'),
      v.minValue(1, 'expected 1 or more'),
    ),
  ),
});

/**
 * How long the builds function may hold a workspace before Cloud Build has its build: the
 * function's timeout (540 seconds, infra/functions.tf) rounded up, since an instance past it
 * has been stopped.
 */
const SUBMIT_SECONDS = 600;

/**
 * Slack for a notification: Pub/Sub pushes it again on a backoff of up to ten minutes, and a
 * takeover that comes early only finds the build again.
 */
const NOTIFICATION_MARGIN_SECONDS = 900;

/** Cloud Build answered a request with an error, or did not answer. */
export class CloudBuildRequestError extends GoogleApiError {
  override readonly name = 'CloudBuildRequestError';
}

/**
 * The build service in Google Cloud: one Cloud Build build per workspace and commit, in
 * `projects/{project}/locations/{region}`, run as a dedicated service account.
 *
 * A build is found again by its tags (workspace, commit, plan or apply), so that a retried
 * submission returns the build it started before; a first attempt (`mayHaveStarted: false`)
 * has nothing to find and skips the look. Two submissions racing each other can
 * still both start one: Cloud Build has no request id for builds, and the pipeline runs the
 * builds of one workspace one at a time for that reason.
 */
export function createCloudBuildService(options: CloudBuildServiceOptions): BuildService {
  const parsed = v.safeParse(optionsSchema, options, { abortEarly: false });
  if (!parsed.success) {
    throw new Error(`Cloud Build options are not valid:\n  ${describeIssues(parsed.issues)}`);
  }
  const config = parsed.output;
  const client = config.client ?? new CloudBuildClient();
  const parent = `projects/${config.project}/locations/${config.region}`;
  const definition: CloudBuildDefinition = {
    project: config.project,
    serviceAccount: config.serviceAccount,
    ...(config.driftServiceAccount === undefined
      ? {}
      : { driftServiceAccount: config.driftServiceAccount }),
    builderImage: config.builderImage,
    terraformImage: config.terraformImage,
    renderConfig: config.renderConfig,
    source: config.source,
    buildTimeoutSeconds: config.buildTimeoutSeconds,
    stepTimeoutSeconds: { ...defaultStepTimeoutSeconds, ...definedOnly(config.stepTimeoutSeconds) },
  };

  const leaseTerms: LeaseTerms = {
    submitSeconds: SUBMIT_SECONDS,
    queueSeconds: QUEUE_TTL_SECONDS,
    buildSeconds: config.buildTimeoutSeconds,
    marginSeconds: NOTIFICATION_MARGIN_SECONDS,
  };

  return {
    leaseTerms,
    async submit(request) {
      const checked = v.safeParse(submissionSchema, request, { abortEarly: false });
      if (!checked.success) {
        throw new Error(`build submission is not valid:\n  ${describeIssues(checked.issues)}`);
      }
      const what = `the build of workspace "${request.workspace}" at ${request.commit}`;
      if (
        request.driftSweep !== undefined &&
        (request.apply || definition.driftServiceAccount === undefined)
      ) {
        // Never run as the build identity, which can write what it reads, nor applying.
        throw new CloudBuildRequestError(
          request.apply
            ? `${what} for drift must not apply`
            : `${what} for drift needs driftServiceAccount, the read-only identity, in the Cloud Build options`,
          undefined,
          'permanent',
        );
      }
      if (request.mayHaveStarted !== false) {
        const existing = await call(`listing builds to find ${what}`, () => findBuild(request));
        if (existing !== undefined) return existing;
      }
      const [operation] = await call(`creating ${what}`, () =>
        client.createBuild({ parent, build: cloudBuildOf(request, definition) }),
      );
      // gax types an operation's metadata as gRPC call metadata; it is the decoded
      // BuildOperationMetadata, and its id is checked below.
      const metadata =
        operation.metadata as unknown as protos.google.devtools.cloudbuild.v1.IBuildOperationMetadata | null;
      const build = metadata?.build;
      if (typeof build?.id !== 'string' || build.id === '') {
        // The build was most likely created: a retry finds it by its tags.
        throw new CloudBuildRequestError(
          `Cloud Build accepted ${what} but its operation ${operation.name} names no build id`,
          undefined,
          'transient',
        );
      }
      return submitted(build);
    },
  };

  async function findBuild(request: BuildSubmission): Promise<SubmittedBuild | undefined> {
    const filter = cloudBuildTags(request)
      .map((tag) => `tags="${tag}"`)
      .join(' AND ');
    // Without projectId: the client would then address the global builds, not the region's.
    let page: protos.google.devtools.cloudbuild.v1.IListBuildsRequest | null = {
      parent,
      filter,
      pageSize: 50,
    };
    while (page !== null) {
      const [builds, next]: [
        protos.google.devtools.cloudbuild.v1.IBuild[],
        protos.google.devtools.cloudbuild.v1.IListBuildsRequest | null,
        unknown,
      ] = await client.listBuilds(page, { autoPaginate: false });
      // Tags name the workspace and commit; the substitutions name the repository, and the
      // sequence: a forced push back to an older commit is a new revision, built again.
      const found = builds.find(
        (build) =>
          build.substitutions != null &&
          buildAttempt(build.tags) === (request.attempt ?? 1) &&
          isGovernedRepository(request.repository, builtRepository(build.substitutions)) &&
          build.substitutions[BUILD_SUBSTITUTIONS.workspace] === request.workspace &&
          build.substitutions[BUILD_SUBSTITUTIONS.sequence] === String(request.sequence) &&
          build.substitutions[BUILD_SUBSTITUTIONS.driftSweep] === request.driftSweep &&
          typeof build.id === 'string' &&
          build.id !== '',
      );
      if (found !== undefined) {
        // Its end, for a takeover: the outcome of a build whose notifications never came.
        const status = stateOf(found.status);
        return {
          ...submitted(found),
          ...(status !== undefined && FINAL_BUILD_STATES.has(status) ? { status } : {}),
        };
      }
      page = next;
    }
    return undefined;
  }
}

/** The repository a build names: by id, or by name only for a build started before ids. */
function builtRepository(substitutions: Readonly<Record<string, string>>) {
  const [owner = '', name = ''] = (substitutions[BUILD_SUBSTITUTIONS.repository] ?? '').split('/');
  const id = substitutions[BUILD_SUBSTITUTIONS.repositoryId];
  return { owner, name, ...(id === undefined ? {} : { id: Number(id) }) };
}

/** The client gives a state as its name or as its number, depending on the transport. */
function stateOf(
  status: protos.google.devtools.cloudbuild.v1.Build.Status | string | null | undefined,
): BuildState | undefined {
  const name =
    typeof status === 'number' ? protos.google.devtools.cloudbuild.v1.Build.Status[status] : status;
  return buildStates.find((state) => state === name);
}

function submitted(build: protos.google.devtools.cloudbuild.v1.IBuild): SubmittedBuild {
  const id = build.id ?? '';
  return typeof build.logUrl === 'string' && build.logUrl !== ''
    ? { id, logUrl: build.logUrl }
    : { id };
}

/**
 * Runs a request, turning what the client throws into an error that says what was asked and
 * what Cloud Build answered, classified by its gRPC status (see `googleRpcFailure`).
 */
async function call<T>(doing: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const failure = googleRpcFailure(error);
    const message = `Cloud Build refused ${doing} (${failure.status}): ${(error as Error).message}`;
    if (failure.kind === undefined) throw new Error(message, { cause: error });
    throw new CloudBuildRequestError(message, failure.code, failure.kind, {
      cause: error,
      ...(failure.retryAt === undefined ? {} : { retryAt: failure.retryAt }),
    });
  }
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
      const found = issue.input === undefined ? 'nothing' : issue.received;
      return `${path === '' ? '(options)' : path}: ${issue.message}, found ${found}`;
    })
    .join('\n  ');
}

function definedOnly<T>(record: Readonly<Record<string, T | undefined>>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, T] => entry[1] !== undefined),
  );
}
