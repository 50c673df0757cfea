import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudBuildRequestError,
  createCloudBuildService,
  type CloudBuildServiceOptions,
} from '../../shared/adapters/cloud-build-service.ts';
import { exampleRenderConfig, type RenderConfig } from '../../shared/core/render/render-config.ts';
import type { BuildSubmission } from '../../shared/ports/build-service.ts';
import { classifyFailure } from '../../shared/ports/classify-failure.ts';
import type { FailureKind } from '../../shared/ports/port-error.ts';
import {
  startLoopbackCloudBuild,
  type InjectedError,
  type LoopbackCloudBuild,
  type StoredBuild,
} from '../support/loopback-cloud-build.ts';

const BUILDER = `europe-docker.pkg.dev/acme-ci/infrastream/builder@sha256:${'a'.repeat(64)}`;
const TERRAFORM = `hashicorp/terraform:1.11.4@sha256:${'b'.repeat(64)}`;
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const ROOT_MODULE = '{"terraform":{"backend":{"gcs":{}}}}';

const renderConfig: RenderConfig = {
  ...exampleRenderConfig,
  state: { bucket: 'acme-infrastream-state', prefix: 'workspaces' },
  // A `$` in the configuration must reach the build as itself, not as a substitution.
  modules: {
    git: 'git::https://github.com/acme/$default/infrastream.git//terraform-modules',
    ref: 'v1.4.0',
  },
};

const submission: BuildSubmission = {
  repository: { owner: 'acme', name: 'platform', id: 4242 },
  workspace: 'payments.production.shop',
  commit: COMMIT,
  sequence: 42,
  apply: true,
  rootModule: ROOT_MODULE,
};

let cloudBuild: LoopbackCloudBuild;

beforeEach(async () => {
  cloudBuild = await startLoopbackCloudBuild();
});

afterEach(async () => {
  await cloudBuild.close();
});

function service(overrides: Partial<CloudBuildServiceOptions> = {}) {
  return createCloudBuildService({
    project: 'acme-infrastream',
    region: 'europe-west1',
    serviceAccount: 'terraform-builds@acme-infrastream.iam.gserviceaccount.com',
    builderImage: BUILDER,
    terraformImage: TERRAFORM,
    renderConfig,
    client: cloudBuild.client(),
    ...overrides,
  });
}

const traced = [
  'INFRASTREAM_REPOSITORY=$_REPOSITORY#$_REPOSITORY_ID',
  'INFRASTREAM_COMMIT=$_COMMIT',
  'INFRASTREAM_SEQUENCE=$_SEQUENCE',
  'INFRASTREAM_APPLY=$_APPLY',
];
const terraformEnv = ['TF_IN_AUTOMATION=1', 'TF_INPUT=0'];
const directory = '.infrastream/rendered/payments.production.shop';

/** The steps every build has, plan-only or applying. */
const planSteps = [
  {
    id: 'render-config',
    name: BUILDER,
    entrypoint: 'sh',
    args: [
      '-c',
      `mkdir -p .infrastream && printf '%s' "$$RENDER_CONFIG" > .infrastream/render-config.json`,
    ],
    env: [...traced, `RENDER_CONFIG=${JSON.stringify(renderConfig).split('$').join('$$')}`],
    timeout: '60s',
  },
  {
    id: 'render',
    name: BUILDER,
    entrypoint: 'infrastream',
    args: [
      'render',
      '.',
      '--workspace',
      '$_WORKSPACE',
      '--out',
      '.infrastream/rendered',
      '--config',
      '.infrastream/render-config.json',
      '--repository',
      '$_REPOSITORY#$_REPOSITORY_ID',
    ],
    env: traced,
    timeout: '600s',
  },
  {
    id: 'verify-render',
    name: BUILDER,
    entrypoint: 'sh',
    args: ['-c', 'echo "$$EXPECTED_SHA256  $$ROOT_MODULE" | sha256sum -c -'],
    env: [
      ...traced,
      'EXPECTED_SHA256=$_ROOT_MODULE_SHA256',
      'ROOT_MODULE=.infrastream/rendered/$_WORKSPACE/main.tf.json',
    ],
    timeout: '60s',
  },
  {
    id: 'init',
    name: TERRAFORM,
    entrypoint: 'terraform',
    args: [
      'init',
      '-input=false',
      '-no-color',
      '-backend-config=bucket=acme-infrastream-state',
      '-backend-config=prefix=workspaces/4242/payments.production.shop',
    ],
    dir: directory,
    env: terraformEnv,
    timeout: '600s',
  },
  {
    id: 'validate',
    name: TERRAFORM,
    entrypoint: 'terraform',
    args: ['validate', '-no-color'],
    dir: directory,
    env: terraformEnv,
    timeout: '120s',
  },
  {
    id: 'plan',
    name: TERRAFORM,
    entrypoint: 'terraform',
    args: ['plan', '-input=false', '-no-color', '-out=tfplan'],
    dir: directory,
    env: terraformEnv,
    timeout: '1800s',
  },
  {
    id: 'show',
    name: TERRAFORM,
    entrypoint: 'sh',
    args: ['-c', 'terraform show -json -no-color tfplan > plan.json'],
    dir: directory,
    env: terraformEnv,
    timeout: '300s',
  },
  {
    id: 'check-plan',
    name: BUILDER,
    entrypoint: 'infrastream',
    args: ['check-plan', 'plan.json'],
    dir: directory,
    env: traced,
    timeout: '120s',
  },
];

const applyStep = {
  id: 'apply',
  name: TERRAFORM,
  entrypoint: 'terraform',
  args: ['apply', '-input=false', '-no-color', 'tfplan'],
  dir: directory,
  env: terraformEnv,
  timeout: '3600s',
};

function onlyBuild(): StoredBuild {
  expect(cloudBuild.builds).toHaveLength(1);
  return cloudBuild.builds[0] as StoredBuild;
}

describe('the Cloud Build service', () => {
  it('creates exactly the build of the workspace at the commit, and returns its id and log', async () => {
    const submitted = await service().submit(submission);

    const build = onlyBuild();
    expect(submitted).toEqual({ id: build.id, logUrl: build['logUrl'] });
    expect(submitted.logUrl).toMatch(/^https:\/\/console\.cloud\.google\.com\/cloud-build\//);
    expect(build['steps']).toEqual([...planSteps, applyStep]);
    expect(build['source']).toEqual({
      gitSource: { url: 'https://github.com/acme/platform.git', revision: COMMIT },
    });
    expect(build.substitutions).toEqual({
      _REPOSITORY: 'acme/platform',
      _REPOSITORY_ID: '4242',
      _WORKSPACE: 'payments.production.shop',
      _COMMIT: COMMIT,
      _SEQUENCE: '42',
      _APPLY: 'true',
      _ROOT_MODULE_SHA256: createHash('sha256').update(ROOT_MODULE).digest('hex'),
    });
    expect(build.tags).toEqual([
      'infrastream',
      'workspace_payments.production.shop',
      `commit_${COMMIT}`,
      'mode_apply',
    ]);
    expect(build['serviceAccount']).toBe(
      'projects/acme-infrastream/serviceAccounts/terraform-builds@acme-infrastream.iam.gserviceaccount.com',
    );
    expect(build['timeout']).toBe('10800s');
    expect(build['options']).toEqual({
      logging: 'CLOUD_LOGGING_ONLY',
      substitutionOption: 'MUST_MATCH',
    });

    const create = cloudBuild.requests.find((request) => request.method === 'POST');
    expect(create?.path).toBe('/v1/projects/acme-infrastream/locations/europe-west1/builds');
    // No credentials leave the process: the client's auth sends none.
    expect(create?.headers.authorization).toBeUndefined();
  });

  it('builds a plan-only submission without the apply step, under its own tag', async () => {
    await service().submit({ ...submission, apply: false });
    const build = onlyBuild();
    expect(build['steps']).toEqual(planSteps);
    expect(build.substitutions?.['_APPLY']).toBe('false');
    expect(build.tags?.at(-1)).toBe('mode_plan');
  });

  it('returns the build already started for the same workspace and commit, and creates none', async () => {
    const first = await service().submit(submission);
    // A fresh adapter, as after a restart: nothing is remembered in memory.
    const second = await service().submit(submission);

    expect(second).toEqual(first);
    expect(cloudBuild.builds).toHaveLength(1);
    const lists = cloudBuild.requests.filter((request) => request.method === 'GET');
    expect(lists).toHaveLength(2);
    expect(lists[1]?.path).toBe('/v1/projects/acme-infrastream/locations/europe-west1/builds');
    expect(lists[1]?.query['filter']).toBe(
      `tags="infrastream" AND tags="workspace_payments.production.shop" AND tags="commit_${COMMIT}" AND tags="mode_apply"`,
    );
  });

  it('starts a first attempt without looking for a build, and a retry finds it', async () => {
    const first = await service().submit({ ...submission, mayHaveStarted: false });
    const lists = () => cloudBuild.requests.filter((request) => request.method === 'GET');
    expect(lists()).toHaveLength(0);
    expect(await service().submit({ ...submission, mayHaveStarted: true })).toEqual(first);
    expect(lists()).toHaveLength(1);
    expect(cloudBuild.builds).toHaveLength(1);
  });

  it('hands back how a build it finds has ended, for a takeover of a build never heard of again', async () => {
    const first = await service().submit({ ...submission, mayHaveStarted: false });
    const stored = cloudBuild.builds[0] as Record<string, unknown>;
    stored['status'] = 'WORKING';
    expect(await service().submit(submission)).toEqual(first);
    stored['status'] = 'FAILURE';
    expect(await service().submit(submission)).toEqual({ ...first, status: 'FAILURE' });
    expect(cloudBuild.builds).toHaveLength(1);
  });

  it('starts a retry as a new build tagged with its attempt, found again only as that attempt', async () => {
    const first = await service().submit(submission);
    const retry = await service().submit({ ...submission, attempt: 2, mayHaveStarted: false });
    expect(retry.id).not.toBe(first.id);
    expect(cloudBuild.builds.map((build) => build.tags?.at(-1))).toEqual([
      'mode_apply',
      'attempt_2',
    ]);
    expect(await service().submit({ ...submission, attempt: 2 })).toEqual(retry);
    expect(await service().submit(submission)).toEqual(first);
    expect(cloudBuild.builds).toHaveLength(2);
  });

  it('bounds how long a build may wait in the queue, and says so in its lease terms', async () => {
    const builds = service({ buildTimeoutSeconds: 7200 });
    await builds.submit(submission);
    expect(onlyBuild()['queueTtl']).toBe('3600s');
    expect(builds.leaseTerms).toEqual({
      submitSeconds: 600,
      queueSeconds: 3600,
      buildSeconds: 7200,
      marginSeconds: 900,
    });
  });

  it('starts separate builds for another commit, another workspace, and plan versus apply', async () => {
    const builds = service();
    const ids = new Set([
      (await builds.submit(submission)).id,
      (await builds.submit({ ...submission, commit: 'f'.repeat(40), sequence: 43 })).id,
      (await builds.submit({ ...submission, workspace: 'organization' })).id,
      (await builds.submit({ ...submission, apply: false })).id,
    ]);
    expect(ids.size).toBe(4);
    expect(cloudBuild.builds).toHaveLength(4);
  });

  it('does not take a build of another repository for this one, but takes its own renamed', async () => {
    await service().submit({
      ...submission,
      repository: { owner: 'acme', name: 'platform', id: 4243 },
    });
    await service().submit(submission);
    expect(cloudBuild.builds).toHaveLength(2);
    await service().submit({
      ...submission,
      repository: { owner: 'acme', name: 'renamed', id: 4242 },
    });
    expect(cloudBuild.builds).toHaveLength(2);
  });

  it('names a workspace that does not fit a tag by the SHA-256 of its id', async () => {
    const workspace = `${'unit'.padEnd(63, 'u')}.${'env'.padEnd(63, 'e')}.${'shop'.padEnd(63, 's')}`;
    await service().submit({ ...submission, workspace });
    const hash = createHash('sha256').update(workspace).digest('hex');
    expect(onlyBuild().tags?.[1]).toBe(`workspace-sha256_${hash}`);
  });

  it('takes the repository from a Cloud Build connection when configured', async () => {
    const connection = 'projects/acme-infrastream/locations/europe-west1/connections/github';
    await service({ source: { kind: 'connection', connection } }).submit(submission);
    expect(onlyBuild()['source']).toEqual({
      connectedRepository: {
        repository: `${connection}/repositories/acme-platform`,
        revision: COMMIT,
      },
    });
  });

  it('applies configured build and step timeouts', async () => {
    await service({ buildTimeoutSeconds: 5400, stepTimeoutSeconds: { plan: 900 } }).submit(
      submission,
    );
    const build = onlyBuild();
    expect(build['timeout']).toBe('5400s');
    const steps = build['steps'] as { id: string; timeout: string }[];
    expect(steps.find((step) => step.id === 'plan')?.timeout).toBe('900s');
    expect(steps.find((step) => step.id === 'apply')?.timeout).toBe('3600s');
  });

  it('surfaces a refused request with its status and message', async () => {
    const builds = service();
    cloudBuild.failNext({
      method: 'GET',
      httpStatus: 400,
      status: 'INVALID_ARGUMENT',
      message: 'invalid filter',
    });
    const listing = builds.submit(submission);
    await expect(listing).rejects.toThrow(CloudBuildRequestError);
    await expect(listing).rejects.toThrow(
      /^Cloud Build refused listing builds to find the build of workspace "payments\.production\.shop" at 0123456789abcdef0123456789abcdef01234567 \(INVALID_ARGUMENT 3\): .*invalid filter/,
    );

    cloudBuild.failNext({
      method: 'POST',
      httpStatus: 403,
      status: 'PERMISSION_DENIED',
      message: "The caller does not have permission to act as service account 'terraform-builds'",
    });
    const creating = builds.submit(submission);
    await expect(creating).rejects.toMatchObject({ code: 7 });
    await expect(creating).rejects.toThrow(
      /^Cloud Build refused creating the build of workspace "payments\.production\.shop" at 0123456789abcdef0123456789abcdef01234567 \(PERMISSION_DENIED 7\): .*does not have permission to act as service account/,
    );
    expect(cloudBuild.builds).toHaveLength(0);
  });

  it('refuses options that would build something unpinned or unauthenticated', () => {
    expect(() =>
      service({ builderImage: 'europe-docker.pkg.dev/acme-ci/infrastream/builder:latest' }),
    ).toThrow(
      /builderImage: expected an image pinned by digest.*found "europe-docker\.pkg\.dev\/acme-ci\/infrastream\/builder:latest"/,
    );
    expect(() =>
      service({ terraformImage: `hashicorp/terraform@sha256:${'b'.repeat(63)}` }),
    ).toThrow(/terraformImage: expected an image pinned by digest/);
    expect(() =>
      service({ serviceAccount: '123456789-compute@developer.gserviceaccount.com' }),
    ).toThrow(/serviceAccount: expected the email of a user-managed service account/);
    expect(() =>
      service({ renderConfig: { ...renderConfig, modules: { path: '../modules' } } }),
    ).toThrow(/renderConfig: expected modules from git at a pinned ref/);
    expect(() => service({ stepTimeoutSeconds: { plan: 0 } })).toThrow(
      /stepTimeoutSeconds\.plan: expected at least 1 second, found 0/,
    );
    expect(() => service({ buildTimeoutSeconds: 100_000 })).toThrow(
      /buildTimeoutSeconds: expected at most 86400 seconds/,
    );
    expect(() => service({ region: 'global', project: 'Acme' })).toThrow(
      /Cloud Build options are not valid:\n {2}project: .*\n {2}region: /,
    );
  });

  it('refuses a submission it cannot build, before asking Cloud Build', async () => {
    await expect(service().submit({ ...submission, commit: 'main' })).rejects.toThrow(
      /build submission is not valid:\n {2}commit: expected a full commit id in lowercase hex, found "main"/,
    );
    await expect(service().submit({ ...submission, workspace: '../state' })).rejects.toThrow(
      /workspace: expected a workspace id/,
    );
    await expect(
      service().submit({ ...submission, repository: { owner: 'acme', name: 'platform' } }),
    ).rejects.toThrow(/build submission is not valid:\n {2}repository\.id: .*found nothing/);
    await expect(
      service().submit({ ...submission, repository: { owner: 'acme', name: 'platform', id: 0 } }),
    ).rejects.toThrow(/repository\.id: expected GitHub's repository id, found 0/);
    expect(cloudBuild.requests).toHaveLength(0);
  });
});

/** What Cloud Build answers a build's creation with, and the class the adapter must give it. */
const failures: readonly {
  readonly error: Omit<InjectedError, 'method' | 'message'>;
  readonly kind: FailureKind;
  readonly retryInMs?: number;
}[] = [
  { error: { httpStatus: 400, status: 'INVALID_ARGUMENT' }, kind: 'permanent' },
  { error: { httpStatus: 403, status: 'PERMISSION_DENIED' }, kind: 'permanent' },
  { error: { httpStatus: 404, status: 'NOT_FOUND' }, kind: 'permanent' },
  { error: { httpStatus: 400, status: 'FAILED_PRECONDITION' }, kind: 'permanent' },
  { error: { httpStatus: 401, status: 'UNAUTHENTICATED' }, kind: 'permanent' },
  { error: { httpStatus: 503, status: 'UNAVAILABLE' }, kind: 'transient' },
  { error: { httpStatus: 504, status: 'DEADLINE_EXCEEDED' }, kind: 'transient' },
  { error: { httpStatus: 409, status: 'ABORTED' }, kind: 'transient' },
  { error: { httpStatus: 500, status: 'INTERNAL' }, kind: 'transient' },
  { error: { httpStatus: 429, status: 'RESOURCE_EXHAUSTED' }, kind: 'transient' },
  {
    error: {
      httpStatus: 429,
      status: 'RESOURCE_EXHAUSTED',
      details: [
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2.500s' },
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'RATE_LIMIT_EXCEEDED',
          domain: 'googleapis.com',
        },
      ],
    },
    kind: 'rate-limited',
    retryInMs: 2500,
  },
];

describe('Cloud Build errors, as its client throws them, in the three classes', () => {
  for (const row of failures) {
    const label = `${row.error.status}${row.error.details === undefined ? '' : ' with a RetryInfo'}`;
    it(`${label}: ${row.kind}`, async () => {
      cloudBuild.failNext({
        method: 'POST',
        message: `refused: ${row.error.status}`,
        ...row.error,
      });
      const before = Date.now();
      const error = await service()
        .submit(submission)
        .catch((thrown: unknown) => thrown);
      const after = Date.now();

      expect(error).toBeInstanceOf(CloudBuildRequestError);
      expect(error).toMatchObject({ kind: row.kind });
      const failure = classifyFailure(error);
      expect(failure.kind).toBe(row.kind);
      expect(failure.reason).toContain(`(${row.error.status} `);
      const retryAt =
        failure.kind === 'rate-limited' ? Date.parse(failure.retryAt ?? '') : undefined;
      if (row.retryInMs === undefined) expect(retryAt).toBeUndefined();
      else {
        expect(retryAt).toBeGreaterThanOrEqual(before + row.retryInMs);
        expect(retryAt).toBeLessThanOrEqual(after + row.retryInMs);
      }
    });
  }

  it('Cloud Build unreachable: transient', async () => {
    const stopped = cloudBuild;
    await stopped.close();
    // A client made after the server stopped: nothing listens on its port any more.
    const client = stopped.client();
    cloudBuild = await startLoopbackCloudBuild();
    const error = await service({ client })
      .submit({ ...submission, mayHaveStarted: false })
      .catch((thrown: unknown) => thrown);
    await client.close();

    expect(error).toBeInstanceOf(CloudBuildRequestError);
    expect(error).toMatchObject({ code: 14 });
    expect(classifyFailure(error)).toMatchObject({ kind: 'transient' });
  });
});
