import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeDriftBuildOutput,
  DRIFT_OUTPUT_LIMIT_BYTES,
  encodeDriftBuildOutput,
} from '../../shared/core/drift/drift-build-output.ts';
import type { DriftObservation } from '../../shared/core/drift/drift-finding.ts';
import { runCli } from '../support/run-cli.ts';

const WORKSPACE = 'payments.production.shop';

/** A refresh-only plan as terraform show -json prints it: a role widened, a secret changed. */
const plan = {
  format_version: '1.2',
  resource_drift: [
    {
      address: 'module.project.google_project_iam_member.this["viewer"]',
      type: 'google_project_iam_member',
      change: {
        actions: ['update'],
        before: { role: 'roles/viewer', member: 'group:shop@acme.example' },
        after: { role: 'roles/owner', member: 'group:shop@acme.example' },
      },
    },
    {
      address: 'module.secret.google_secret_manager_secret_version.this',
      type: 'google_secret_manager_secret_version',
      change: {
        actions: ['update'],
        before: { secret_data: 'old-value' },
        after: { secret_data: 'new-value' },
        before_sensitive: { secret_data: true },
        after_sensitive: { secret_data: true },
      },
    },
  ],
};

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const observation = (index: number): DriftObservation => ({
  source: 'terraform',
  workspace: WORKSPACE,
  address: `module.bucket_${index}.google_storage_bucket.this`,
  attribute: 'labels.team',
  severity: 'low',
  summary: `module.bucket_${index}.google_storage_bucket.this: labels.team changed outside Terraform`,
  before: 'shop',
  after: 'x'.repeat(200),
  manifest: { file: 'payments/production/shop/bucket.yaml', line: 3, column: 3 },
});

describe("a drift build's output", () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'drift-output-'));
    await writeFile(join(folder, 'plan.json'), JSON.stringify(plan));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('is what infrastream drift-output prints of a plan: rated, masked, read back by build-status', async () => {
    const run = await runCli(['drift-output', 'plan.json', '--workspace', WORKSPACE], {
      cwd: folder,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/old-value|new-value/);
    const read = decodeDriftBuildOutput(['', base64('{}'), base64(run.stdout)], WORKSPACE);
    expect(read).toMatchObject({
      ok: true,
      observations: [
        { attribute: 'role', severity: 'critical', before: 'roles/viewer', after: 'roles/owner' },
        { attribute: 'secret_data', before: '(sensitive)', after: '(sensitive)' },
      ],
    });
  }, 30_000);

  it('leaves the manifest out, which the collecting step finds again', () => {
    const text = encodeDriftBuildOutput([observation(1)]);
    const read = decodeDriftBuildOutput([base64(text)], WORKSPACE);
    const { manifest: _, ...unlocated } = observation(1);
    expect(read).toEqual({ ok: true, observations: [unlocated] });
  });

  it('says only how many there were when they do not fit, and the workspace is unread', () => {
    const many = Array.from({ length: 200 }, (_, index) => observation(index));
    const text = encodeDriftBuildOutput(many);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(DRIFT_OUTPUT_LIMIT_BYTES);
    expect(decodeDriftBuildOutput([base64(text)], WORKSPACE)).toEqual({
      ok: false,
      reason: `its 200 observations are more than a build's step output holds: run infrastream drift --workspace ${WORKSPACE}`,
    });
  });

  it.each([
    [
      'no drift output',
      [base64('{"create":1,"update":0,"destroy":0}')],
      'it wrote no drift output',
    ],
    [
      'output cut short',
      [base64('{"drift":1,"observations":[{"sou')],
      'its drift output was cut short',
    ],
    [
      "another workspace's observations",
      [base64(encodeDriftBuildOutput([{ ...observation(1), workspace: 'organization' }]))],
      `its drift output names another workspace than ${WORKSPACE}`,
    ],
  ])('refuses %s', (_, outputs, reason) => {
    expect(decodeDriftBuildOutput(outputs, WORKSPACE)).toEqual({ ok: false, reason });
  });
});
