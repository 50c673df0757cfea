import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

const plans = fileURLToPath(new URL('../fixtures/plans/', import.meta.url));

// Each case starts the CLI as a process, which a busy machine makes slow.
describe('infrastream check-plan', { timeout: 30_000 }, () => {
  it('exits 0 on a clean plan and says how much it checked', async () => {
    const run = await runCli(['check-plan', 'clean.json'], { cwd: plans });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('✔ no policy issues (10 resource changes checked)\n');
  });

  it('exits 1 and lists each finding with its address and rule', async () => {
    const run = await runCli(['check-plan', 'violations.json'], { cwd: plans });
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'google_project_iam_binding.editors  error  google_project_iam_binding is authoritative: it removes every member it does not name; expected the member-level google_project_iam_member  (plan/authoritative-iam)',
    );
    expect(lines.at(-1)).toBe('✖ 14 errors, 0 warnings (8 resource changes checked)');
  });

  it('prints the findings as JSON, each with the checks its rule mirrors', async () => {
    const run = await runCli(['check-plan', 'destroy.json', '--format', 'json'], { cwd: plans });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      resourceChanges: number;
      issues: { rule: string; severity: string; address: string; mirrors: string[] }[];
    };
    expect(report.resourceChanges).toBe(4);
    expect(report.issues.map((issue) => [issue.rule, issue.severity, issue.address])).toEqual([
      ['plan/protected-destroy', 'error', 'module.database_orders.google_alloydb_cluster.this'],
      ['plan/protected-destroy', 'error', 'module.kms.google_kms_crypto_key.this'],
      ['plan/protected-destroy', 'error', 'module.project.google_project.this'],
      ['plan/protected-destroy', 'error', 'module.topic_orders.google_pubsub_topic.this'],
    ]);
    expect(report.issues[0]?.mirrors).toEqual(['CKV_GCP_82']);
  });

  it('names the Checkov and CIS checks of a public grant in JSON', async () => {
    const run = await runCli(
      ['check-plan', 'battery/insecure/public-bucket-member-allusers.json', '--format', 'json'],
      { cwd: plans },
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { issues: { rule: string; mirrors: string[] }[] };
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]?.rule).toBe('plan/public-member');
    expect(report.issues[0]?.mirrors).toEqual(
      expect.arrayContaining(['CKV_GCP_28', 'CIS GCP 5.1']),
    );
  });

  it('exits 0 with warnings when destruction is allowed', async () => {
    const run = await runCli(['check-plan', 'destroy.json', '--allow-destroy'], { cwd: plans });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('⚠ 0 errors, 4 warnings (4 resource changes checked)');
  });

  it('exits 2 when the file is missing, not JSON, or not a plan', async () => {
    const [missing, notJson, notPlan] = await Promise.all([
      runCli(['check-plan', 'missing.json'], { cwd: plans }),
      runCli(['check-plan', 'not-json.txt'], { cwd: plans }),
      runCli(['check-plan', 'not-a-plan.json'], { cwd: plans }),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^infrastream check-plan: missing\.json: ENOENT/);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^infrastream check-plan: not-json\.txt: .*JSON/);
    expect(notPlan.code).toBe(2);
    expect(notPlan.stderr).toContain('not a Terraform plan in JSON');
    expect(notPlan.stdout).toBe('');
  });

  it('exits 2 on usage errors', async () => {
    const [none, format] = await Promise.all([
      runCli(['check-plan'], { cwd: plans }),
      runCli(['check-plan', 'clean.json', '--format', 'sarif'], { cwd: plans }),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('expected the plan FILE');
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be one of text, json, not "sarif"');
  });
});
