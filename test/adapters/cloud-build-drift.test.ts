import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudBuildService } from '../../shared/adapters/cloud-build-service.ts';
import { exampleRenderConfig, type RenderConfig } from '../../shared/core/render/render-config.ts';
import type { BuildSubmission } from '../../shared/ports/build-service.ts';
import { classifyFailure } from '../../shared/ports/classify-failure.ts';
import {
  startLoopbackCloudBuild,
  type LoopbackCloudBuild,
} from '../support/loopback-cloud-build.ts';

const BUILDER = `europe-docker.pkg.dev/acme-ci/infrastream/builder@sha256:${'a'.repeat(64)}`;
const BUILD_IDENTITY = 'terraform-builds@acme-infrastream.iam.gserviceaccount.com';
const DRIFT_IDENTITY = 'infrastream-drift@acme-infrastream.iam.gserviceaccount.com';
const SWEEP = '2026-12-03T19:00:00.000Z';

const renderConfig: RenderConfig = {
  ...exampleRenderConfig,
  state: { bucket: 'acme-workspaces-state', prefix: 'workspaces' },
  modules: {
    git: 'git::https://github.com/acme/infrastream.git//terraform-modules',
    ref: 'v1.4.0',
  },
};

const drift: BuildSubmission = {
  repository: { owner: 'acme', name: 'platform', id: 4242 },
  workspace: 'payments.production.shop',
  commit: '0123456789abcdef0123456789abcdef01234567',
  sequence: 42,
  apply: false,
  rootModule: '{"terraform":{"backend":{"gcs":{}}}}',
  driftSweep: SWEEP,
};

let cloudBuild: LoopbackCloudBuild;

beforeEach(async () => {
  cloudBuild = await startLoopbackCloudBuild();
});

afterEach(async () => {
  await cloudBuild.close();
});

function service(driftServiceAccount: string | null = DRIFT_IDENTITY) {
  return createCloudBuildService({
    project: 'acme-infrastream',
    region: 'europe-west1',
    serviceAccount: BUILD_IDENTITY,
    ...(driftServiceAccount === null ? {} : { driftServiceAccount }),
    builderImage: BUILDER,
    terraformImage: BUILDER,
    renderConfig,
    client: cloudBuild.client(),
  });
}

interface Step {
  readonly id: string;
  readonly args?: readonly string[];
  readonly env?: readonly string[];
}

describe('a drift build in Cloud Build', () => {
  it('plans refresh-only without the lock, as the drift identity, and never applies', async () => {
    await service().submit(drift);
    const [build] = cloudBuild.builds;
    expect(build?.['serviceAccount']).toBe(
      `projects/acme-infrastream/serviceAccounts/${DRIFT_IDENTITY}`,
    );
    expect(build?.tags).toEqual([
      'infrastream',
      'workspace_payments.production.shop',
      `commit_${drift.commit}`,
      'mode_drift',
      'drift_2026-12-03T19-00-00.000Z',
    ]);
    expect(build?.substitutions).toMatchObject({ _APPLY: 'false', _DRIFT_SWEEP: SWEEP });
    const steps = build?.['steps'] as readonly Step[];
    expect(steps.map((step) => step.id)).toEqual([
      'render-config',
      'render',
      'verify-render',
      'init',
      'validate',
      'plan',
      'show',
      'drift-output',
    ]);
    const step = (id: string) => steps.find((item) => item.id === id);
    expect(step('init')?.args).toContain('-lock=false');
    expect(step('plan')?.args).toEqual([
      'plan',
      '-refresh-only',
      '-lock=false',
      '-input=false',
      '-no-color',
      '-out=tfplan',
    ]);
    // What leaves the build is the observations, through the step output Cloud Build keeps.
    expect(step('drift-output')?.args?.at(-1)).toBe(
      'infrastream drift-output plan.json --workspace "$$WORKSPACE" > "$$BUILDER_OUTPUT/output"',
    );
    expect(step('drift-output')?.env).toContain('WORKSPACE=$_WORKSPACE');
    expect(steps.flatMap((item) => item.args ?? []).filter((arg) => /\bapply\b/.test(arg))).toEqual(
      [],
    );
  });

  it('finds the build of the same sweep again, and starts one per sweep apart from applies', async () => {
    const builds = service();
    const first = await builds.submit(drift);
    expect(await builds.submit(drift)).toEqual(first);
    const next = await builds.submit({ ...drift, driftSweep: '2026-12-03T20:00:00.000Z' });
    const { driftSweep: _, ...build } = drift;
    const applying = await builds.submit({ ...build, apply: true });
    expect(new Set([first.id, next.id, applying.id]).size).toBe(3);
    expect(await builds.submit(drift)).toEqual(first);
    expect(cloudBuild.builds).toHaveLength(3);
  });

  it('refuses for good to refresh as the build identity, or to apply, and asks Cloud Build nothing', async () => {
    const refusals = await Promise.all([
      service(null)
        .submit(drift)
        .catch((error: unknown) => error),
      service()
        .submit({ ...drift, apply: true })
        .catch((error: unknown) => error),
    ]);
    expect(refusals.map((error) => classifyFailure(error).kind)).toEqual([
      'permanent',
      'permanent',
    ]);
    expect((refusals[0] as Error).message).toMatch(
      /needs driftServiceAccount, the read-only identity/,
    );
    expect((refusals[1] as Error).message).toMatch(/for drift must not apply/);
    expect(cloudBuild.requests).toEqual([]);
  });
});
