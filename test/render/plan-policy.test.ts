import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checkPlan, type PlanIssue } from '../../shared/core/plan-guard/check-plan.ts';
import { PlanFormatError } from '../../shared/core/plan-guard/read-plan.ts';

const fixture = async (name: string): Promise<unknown> =>
  JSON.parse(
    await readFile(new URL(`../fixtures/plans/${name}`, import.meta.url), 'utf8'),
  ) as unknown;

const summary = (issues: readonly PlanIssue[]) =>
  issues.map((issue) => `${issue.severity} ${issue.rule} ${issue.address}`);

/** A plan of one resource change in a call of a module of terraform-modules/. */
const planOf = (type: string, actions: string[], after: unknown, module = 'cloud-run-service') => ({
  format_version: '1.2',
  planned_values: { root_module: {} },
  resource_changes: [
    {
      address: `module.m.${type}.this`,
      module_address: 'module.m',
      mode: 'managed',
      type,
      name: 'this',
      change: { actions, after },
    },
  ],
  configuration: {
    root_module: { module_calls: { m: { source: `../../terraform-modules/${module}` } } },
  },
});

describe('checkPlan', () => {
  it('finds nothing in a plan the hardened modules make, and skips data sources', async () => {
    const check = checkPlan(await fixture('clean.json'));
    expect(check.issues).toEqual([]);
    // Ten managed changes; the data source, which reads as public, is not one of them.
    expect(check.resourceChanges).toBe(10);
  });

  it('reports every violation of IAM, firewall and bucket policy, sorted by address', async () => {
    const check = checkPlan(await fixture('violations.json'));
    expect(summary(check.issues)).toEqual([
      'error plan/authoritative-iam google_project_iam_binding.editors',
      'error plan/basic-role google_project_iam_binding.editors',
      'error plan/public-member google_project_iam_binding.editors',
      'error plan/unknown-resource-type google_project_iam_binding.editors',
      'error plan/authoritative-iam google_project_iam_policy.all',
      'error plan/privileged-role google_project_iam_policy.all',
      'error plan/unknown-resource-type google_project_iam_policy.all',
      'error plan/public-bucket module.assets.google_storage_bucket.this',
      'error plan/public-bucket module.assets.google_storage_bucket.this',
      'error plan/public-member module.assets.google_storage_bucket_iam_member.this["objectViewer allUsers~7zz0a1b"]',
      'error plan/open-firewall module.firewall.google_compute_firewall.allow["egress-any"]',
      'error plan/open-firewall module.firewall.google_compute_firewall.allow["ssh"]',
      'error plan/open-firewall module.firewall.google_compute_firewall.allow["web"]',
      'error plan/basic-role module.project.google_project_iam_member.this["owner ops~0abc123"]',
    ]);
    const messages = check.issues.map((issue) => issue.message);
    expect(messages).toContain(
      'google_project_iam_binding is authoritative: it removes every member it does not name; expected the member-level google_project_iam_member',
    );
    expect(messages).toContain(
      'grants roles/editor to allAuthenticatedUsers, which makes the resource public',
    );
    expect(messages).toContain(
      'allows ingress from 10.0.0.0/8, ::/0, which together reach every public IPv4 and IPv6 address; expected the sources the manifests allow, or a deny rule',
    );
    expect(messages).toContain(
      'policy_data grants roles/run.admin to user:ops@acme.example: it can change IAM or act as a service account; expected a role of least privilege',
    );
    expect(messages).toContain(
      'allows egress to no range (which means 0.0.0.0/0); expected the destinations the manifests allow, or a deny rule',
    );
    expect(messages).toContain('public_access_prevention is "inherited"; expected "enforced"');
  });

  it('refuses to destroy or replace keys, databases, topics and projects', async () => {
    const check = checkPlan(await fixture('destroy.json'));
    expect(summary(check.issues)).toEqual([
      'error plan/protected-destroy module.database_orders.google_alloydb_cluster.this',
      'error plan/protected-destroy module.kms.google_kms_crypto_key.this',
      'error plan/protected-destroy module.project.google_project.this',
      'error plan/protected-destroy module.topic_orders.google_pubsub_topic.this',
    ]);
    expect(check.issues[0]?.message).toMatch(/^the plan destroys this google_alloydb_cluster/);
    expect(check.issues[1]?.message).toMatch(/^the plan replaces this google_kms_crypto_key/);
  });

  it('makes protected destruction a warning when destruction is allowed', async () => {
    const check = checkPlan(await fixture('destroy.json'), { allowDestroy: true });
    expect(check.issues.map((issue) => issue.severity)).toEqual([
      'warning',
      'warning',
      'warning',
      'warning',
    ]);
  });

  it('refuses a Cloud Run service the internet can reach without the load balancer', () => {
    const service = (after: unknown) =>
      summary(checkPlan(planOf('google_cloud_run_v2_service', ['create'], after)).issues);
    expect(service({ ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER' })).toEqual([]);
    expect(
      service({ ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER', invoker_iam_disabled: true }),
    ).toEqual([]);
    expect(service({ ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' })).toEqual([]);
    expect(service({ ingress: 'INGRESS_TRAFFIC_ALL', invoker_iam_disabled: true })).toEqual([
      'error plan/exposed-service module.m.google_cloud_run_v2_service.this',
    ]);
    const [issue] = checkPlan(
      planOf('google_cloud_run_v2_service', ['update'], {
        ingress: 'INGRESS_TRAFFIC_ALL',
        invoker_iam_disabled: true,
      }),
    ).issues;
    expect(issue?.message).toContain('anyone could call it directly');
  });

  it('allows deny rules open to everything, and ingress from tags without ranges', () => {
    const firewall = (after: unknown) =>
      checkPlan(planOf('google_compute_firewall', ['create'], after, 'project-firewall')).issues;
    expect(
      firewall({
        allow: [],
        deny: [{ protocol: 'all' }],
        direction: 'EGRESS',
        destination_ranges: ['0.0.0.0/0'],
      }),
    ).toEqual([]);
    expect(
      firewall({
        allow: [{ protocol: 'tcp', ports: ['8080'] }],
        direction: 'INGRESS',
        source_ranges: [],
        source_tags: ['frontend'],
      }),
    ).toEqual([]);
  });

  it('treats a firewall rule without direction as ingress, as Google Cloud does', () => {
    const plan = planOf(
      'google_compute_firewall',
      ['create'],
      { allow: [{ protocol: 'tcp' }], source_ranges: ['0.0.0.0/0'] },
      'project-firewall',
    );
    expect(checkPlan(plan).issues.map((issue) => issue.message)).toEqual([
      'allows ingress from 0.0.0.0/0, which reaches every public IPv4 address; expected the sources the manifests allow, or a deny rule',
    ]);
  });

  it('does not police what a plan deletes, except protected resources', () => {
    const plan = planOf('google_project_iam_binding', ['delete'], null);
    expect(checkPlan(plan).issues).toEqual([]);
  });

  it('reads a plan without resource changes as clean', () => {
    expect(checkPlan({ format_version: '1.2', planned_values: { root_module: {} } })).toEqual({
      resourceChanges: 0,
      issues: [],
    });
  });

  it('says where and what when the input is not a plan', async () => {
    const input = await fixture('not-a-plan.json');
    expect(() => checkPlan(input)).toThrow(PlanFormatError);
    expect(() => checkPlan(input)).toThrow(
      /not a Terraform plan in JSON \(terraform show -json PLANFILE, not of the state\):\n {2}planned_values: missing\n/,
    );
    expect(() => checkPlan(input)).toThrow(
      /resource_changes\.0\.change\.actions: expected an array of actions such as \["create"\], found "create"/,
    );
    expect(() => checkPlan('plan')).toThrow(/\(top level\): expected a JSON object, found "plan"/);
    expect(() => checkPlan([])).toThrow(/format_version: missing/);
    expect(() => checkPlan({ format_version: '2.0', planned_values: {} })).toThrow(
      /format_version: expected format_version 1\.x, found "2\.0"/,
    );
  });
});
