import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftFindingJson } from '../../shared/core/drift/drift-report.ts';
import { unstagedOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';
import { createStandInTerraform, type StandInTerraform } from '../support/stand-in-terraform.ts';

const PROJECT = 'payments/production/shop/project.yaml';

interface DriftJson {
  readonly sweep: {
    readonly appeared: number;
    readonly changed: number;
    readonly resolved: number;
    readonly written: number;
    readonly unchanged: number;
  };
  readonly sources: readonly { name: string; status: string; detail: string }[];
  readonly findings: readonly DriftFindingJson[];
  readonly resolved: readonly DriftFindingJson[];
  readonly acknowledgementsCommit?: string;
}

/** The project's own module: labels drift by hand, and an owner grant appears on it. */
const projectDrift = [
  {
    address: 'module.project.google_project.this',
    type: 'google_project',
    change: {
      actions: ['update'],
      before: { labels: { team: 'payments' }, etag: 'a' },
      after: { labels: { team: 'someone' }, etag: 'b' },
    },
  },
  {
    address: 'module.project.google_project_iam_member.extra',
    type: 'google_project_iam_member',
    change: {
      actions: ['update'],
      before: { role: 'roles/viewer', member: 'user:mallory@example.com' },
      after: { role: 'roles/owner', member: 'user:mallory@example.com' },
    },
  },
];

describe('infrastream drift, embedded, with a stand-in terraform', () => {
  let repository: TestRepository;
  let terraform: StandInTerraform;
  let env: Record<string, string>;
  let workspace: string;
  const drift = async (...args: string[]) => {
    const run = await runCli(['drift', repository.directory, '--format', 'json', ...args], { env });
    return { ...run, report: JSON.parse(run.stdout || 'null') as DriftJson };
  };
  /** The pipeline records HEAD as the current revision: what drift reads acknowledgements at. */
  const record = async () => {
    const run = await runCli(['run', repository.directory], { env });
    expect(run.code, run.stderr).toBe(0);
  };

  beforeAll(async () => {
    repository = await createTestRepository();
    terraform = await createStandInTerraform();
    env = terraform.env();
    await repository.write(Object.fromEntries(unstagedOrganization));
    await repository.commit('The base organization');
    const codeowners = await runCli(['codeowners', repository.directory]);
    await repository.write({ '.github/CODEOWNERS': codeowners.stdout });
    await repository.commit('CODEOWNERS');
    const run = await runCli(['run', repository.directory, '--apply'], { env });
    expect(run.code, run.stderr).toBe(0);
    const workspaces = await runCli([
      'state',
      'workspaces',
      '--dir',
      repository.directory,
      '--format',
      'json',
    ]);
    const ids = (JSON.parse(workspaces.stdout) as { id: string }[]).map((row) => row.id);
    workspace = ids.find((id) => id.endsWith('shop')) ?? '';
    expect(workspace).toBe('payments.production.shop');
  }, 120_000);

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
    await rm(terraform.directory, { recursive: true, force: true });
  });

  it('reports nothing and exits 0 over a cloud that matches what was applied', async () => {
    const quiet = await drift();
    expect(quiet.stderr).toBe('');
    expect(quiet.code).toBe(0);
    expect(quiet.report.findings).toEqual([]);
    expect(quiet.report.sources.find((source) => source.name === 'terraform')?.status).toBe('ok');
    expect(quiet.report.sources.find((source) => source.name === 'codeowners')?.status).toBe('ok');
  });

  it('reports resource drift with its manifest line, never applies and never locks', async () => {
    await terraform.setDrift(workspace, projectDrift);
    const before = (await terraform.calls()).length;
    const { code, report } = await drift();
    expect(code).toBe(1);
    const found = report.findings.map((finding) => [
      finding.severity,
      finding.address,
      finding.attribute,
    ]);
    // The etag is the provider's noise: dropped by the table.
    expect(found).toEqual([
      ['critical', 'module.project.google_project_iam_member.extra', 'role'],
      ['low', 'module.project.google_project.this', 'labels.team'],
    ]);
    for (const finding of report.findings) {
      expect(finding.workspace).toBe(workspace);
      expect(finding.manifest?.file).toBe(PROJECT);
      expect(finding.manifest?.line).toBeGreaterThan(1);
      expect(finding.firstSeen).toBe(finding.lastSeen);
    }
    expect(report.sweep).toMatchObject({ appeared: 2, written: 2 });

    const calls = (await terraform.calls()).slice(before);
    expect(calls.map((call) => call.command)).not.toContain('apply');
    const plans = calls.filter((call) => call.command === 'plan');
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans)
      expect(plan.args).toEqual(expect.arrayContaining(['-refresh-only', '-lock=false']));
    for (const init of calls.filter((call) => call.command === 'init'))
      expect(init.args).toContain('-lock=false');
  });

  it('writes no finding the second time over the same drift, and lists it in state drift', async () => {
    const first = await drift();
    const second = await drift();
    expect(first.code).toBe(1);
    expect(second.report.sweep).toMatchObject({
      appeared: 0,
      changed: 0,
      resolved: 0,
      written: 0,
      unchanged: 2,
    });
    expect(second.report.findings.map((finding) => finding.fingerprint)).toEqual(
      first.report.findings.map((finding) => finding.fingerprint),
    );
    const state = await runCli([
      'state',
      'drift',
      '--dir',
      repository.directory,
      '--format',
      'json',
    ]);
    const listed = JSON.parse(state.stdout) as { findings: DriftFindingJson[] };
    expect(listed.findings.map((finding) => finding.fingerprint).sort()).toEqual(
      first.report.findings.map((finding) => finding.fingerprint).sort(),
    );
  });

  it('reads acknowledgements at the recorded current revision, not a side branch checked out', async () => {
    const recorded = (await repository.git('rev-parse', 'HEAD')).trim();
    await repository.git('checkout', '--quiet', '-b', 'unreviewed');
    try {
      await repository.write({
        'drift-acknowledgements.yaml': `acknowledgements:\n  - pattern: "*"\n    reason: nothing to see\n    expires: 2999-01-01\n`,
      });
      const side = await repository.commit('Acknowledge everything');
      expect(side).not.toBe(recorded);
      const { code, report } = await drift();
      expect(code).toBe(1);
      expect(report.acknowledgementsCommit).toBe(recorded);
      expect(report.findings.length).toBeGreaterThan(0);
      expect(report.findings.every((finding) => finding.acknowledged === null)).toBe(true);
      const text = await runCli(['drift', repository.directory], { env });
      expect(text.stdout).toContain(`acknowledgements read at ${recorded.slice(0, 12)}`);
    } finally {
      await repository.git('checkout', '--quiet', 'main');
    }
  });

  it('reports acknowledged drift as such and exits 0 once all of it is acknowledged', async () => {
    const { report } = await drift();
    const critical = report.findings[0]?.fingerprint ?? '';
    await repository.write({
      'drift-acknowledgements.yaml': `acknowledgements:\n  - fingerprint: ${critical}\n    reason: the break-glass grant of the incident\n    expires: 2999-01-01\n`,
    });
    await repository.commit('Acknowledge the grant');
    await record();
    const one = await drift();
    expect(one.code).toBe(1);
    expect(one.report.findings[0]?.acknowledged).toEqual({
      reason: 'the break-glass grant of the incident',
      expires: '2999-01-01',
    });
    expect(one.report.findings[1]?.acknowledged).toBeNull();
    await repository.write({
      'drift-acknowledgements.yaml': `acknowledgements:\n  - pattern: terraform/${workspace}/*\n    reason: labels are being moved\n    expires: 2999-01-01\n  - fingerprint: ${critical}\n    reason: old\n    expires: 2020-01-01\n`,
    });
    await repository.commit('Acknowledge the workspace');
    await record();
    const all = await drift();
    expect(all.code).toBe(0);
    expect(all.stderr).toContain(
      'drift-acknowledgements.yaml:7:14: warning acknowledgements.1.expires',
    );
    expect(all.report.findings.every((finding) => finding.acknowledged !== null)).toBe(true);
  });

  it('reports a CODEOWNERS edited around the pipeline, and resolved drift once it is gone', async () => {
    await repository.write({ '.github/CODEOWNERS': '* @someone\n' });
    await repository.commit('Own everything');
    await record();
    await terraform.setDrift(workspace, []);
    const { report } = await drift();
    expect(report.findings.map((finding) => [finding.source, finding.severity])).toEqual([
      ['codeowners', 'critical'],
    ]);
    expect(report.resolved.map((finding) => finding.attribute).sort()).toEqual([
      'labels.team',
      'role',
    ]);
  });

  it('reads the iam and resources sources from Cloud Asset Inventory output', async () => {
    const export_ = join(repository.directory, '..', `assets-${process.pid}.json`);
    await writeFile(
      export_,
      JSON.stringify([
        {
          assetType: 'cloudresourcemanager.googleapis.com/Organization',
          organization: 'organizations/123456789012',
          resource: '//cloudresourcemanager.googleapis.com/organizations/123456789012',
          policy: { bindings: [{ role: 'roles/owner', members: ['user:mallory@gmail.com'] }] },
        },
      ]),
    );
    const iamFindings = (report: DriftJson) =>
      report.findings
        .filter((finding) => finding.source === 'iam')
        .map((finding) => [finding.severity, finding.attribute]);
    try {
      const { report, code } = await drift('--assets', export_);
      expect(code).toBe(1);
      expect(
        report.sources.filter((source) => source.name === 'iam' || source.name === 'resources'),
      ).toEqual([
        expect.objectContaining({ name: 'iam', status: 'ok' }),
        expect.objectContaining({ name: 'resources', status: 'unavailable' }),
      ]);
      expect(iamFindings(report)).toEqual([['critical', 'roles/owner user:mallory@gmail.com']]);

      const unread = await drift();
      expect(unread.report.sources.find((source) => source.name === 'iam')?.status).toBe(
        'unavailable',
      );
      expect(iamFindings(unread.report)).toEqual(iamFindings(report));

      // gcloud prints [] when nothing matches: that reads nothing, so it resolves nothing.
      await writeFile(export_, '[]');
      const empty = await drift('--assets', export_);
      expect(empty.code).toBe(1);
      expect(empty.report.sources.find((source) => source.name === 'iam')?.status).toBe(
        'unavailable',
      );
      expect(iamFindings(empty.report)).toEqual(iamFindings(report));
      expect(empty.report.resolved).toEqual([]);

      await writeFile(
        export_,
        JSON.stringify([
          {
            assetType: 'cloudresourcemanager.googleapis.com/Organization',
            organization: 'organizations/123456789012',
            resource: '//cloudresourcemanager.googleapis.com/organizations/123456789012',
            policy: { bindings: [] },
          },
        ]),
      );
      const cleared = await drift('--assets', export_);
      expect(iamFindings(cleared.report)).toEqual([]);
      expect(cleared.report.resolved.map((finding) => finding.source)).toEqual(['iam']);
    } finally {
      await rm(export_, { force: true });
    }
  });

  it('prints the open findings as SARIF for code scanning, each at its manifest line', async () => {
    const run = await runCli(['drift', repository.directory, '--format', 'sarif'], { env });
    const log = JSON.parse(run.stdout) as Log;
    const [only] = log.runs;
    expect(only?.automationDetails?.id).toBe('infrastream/drift/');
    const located = (only?.results ?? []).map((result) => [
      result.ruleId,
      result.locations?.[0]?.physicalLocation?.artifactLocation?.uri,
    ]);
    expect(located.length).toBeGreaterThan(0);
    for (const [ruleId, uri] of located) {
      expect(ruleId).toMatch(
        /^drift\/(terraform|iam|resources|codeowners|github|pipeline)\/(critical|high|medium|low)$/,
      );
      expect(uri).toMatch(/\.yaml$|CODEOWNERS$/);
    }
  });

  it('refuses an unknown format with exit 2', async () => {
    const run = await runCli(['drift', repository.directory, '--format', 'yaml'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--format must be text, json or sarif');
  });
});
