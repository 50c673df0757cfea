import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/core/governance/build-plan.ts';
import { baseOrganization, group } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';

const PROJECT = 'payments/production/shop/project.yaml';
const NEW_SECRET = 'payments/production/shop/paypal-key.yaml';

describe('infrastream plan on a real git repository', () => {
  let repository: TestRepository;

  beforeAll(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(baseOrganization));
    await repository.commit('The base organization');
    const project = new TextDecoder().decode(baseOrganization.get(PROJECT));
    await repository.write({
      [PROJECT]: project.replace('    - 203.0.113.0/24\n', '    - api.paypal.com\n'),
      [NEW_SECRET]: `apiVersion: lowops.manifests.v1
kind: Secret
metadata:
  name: paypal-key
  project: shop
  environment: production
  organizational-unit: payments
  organization: acme
spec:
  description: PayPal API key
  permissions:
    administrators:
      groups:
        - platform
`,
    });
    await repository.commit('PayPal instead of the partner range');
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
  });

  it('shows exactly the additions and removals, in the affected workspace only', async () => {
    const run = await runCli([
      'plan',
      repository.directory,
      '--base',
      'HEAD~1',
      '--head',
      'HEAD',
      '--format',
      'json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as Plan;
    expect(plan.workspaces.map((workspace) => workspace.id)).toEqual(['payments.production.shop']);
    const [shop] = plan.workspaces;
    expect(shop?.create.map((resource) => resource.address)).toEqual(['secret.paypal-key']);
    expect(shop?.update).toEqual([]);
    expect(shop?.destroy).toEqual([]);
    expect(
      shop?.iam.add.map(
        (b) => `${b.resource} ${b.role} ${b.member} ${b.cause.file}#${b.cause.pointer}`,
      ),
    ).toEqual([
      `secret.paypal-key roles/secretmanager.secretVersionAdder group:platform@acme.example.com ${NEW_SECRET}#/spec/permissions/administrators/groups/0`,
      `secret.paypal-key roles/secretmanager.viewer group:platform@acme.example.com ${NEW_SECRET}#/spec/permissions/administrators/groups/0`,
    ]);
    expect(shop?.iam.remove).toEqual([]);
    expect(shop?.firewall.add).toEqual([]);
    expect(shop?.firewall.remove.map((rule) => `${rule.name} ${rule.ranges.join(',')}`)).toEqual([
      'allow-egress-ipv4-203-0-113-0-24 203.0.113.0/24',
    ]);
    expect(shop?.egress.add.map((entry) => `${entry.destination} ${entry.cause.pointer}`)).toEqual([
      'api.paypal.com /spec/allowedEgress/2',
    ]);
    expect(shop?.egress.remove).toEqual([]);
    expect(plan.codeowners).toEqual({ add: [`${NEW_SECRET} @acme-corp/platform`], remove: [] });
    expect(plan.summary).toMatchObject({
      workspaces: 1,
      create: 1,
      iamAdd: 2,
      firewallChanges: 1,
      egressChanges: 1,
    });
  });

  it('compares the files on disk with HEAD by default, and says when nothing changes', async () => {
    const run = await runCli(['plan', repository.directory]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No changes.');
  });

  it('reads like terraform plan', async () => {
    const run = await runCli(['plan', repository.directory, '--base', 'HEAD~1']);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Infrastream plan: HEAD~1 → working tree');
    expect(lines).toContain('# workspace payments.production.shop');
    expect(lines).toContain('  + secret.paypal-key');
    expect(lines).toContain(
      '  - firewall allow-egress-ipv4-203-0-113-0-24 EGRESS allow 203.0.113.0/24 tcp:443',
    );
    expect(lines).toContain('  + egress api.paypal.com');
    expect(lines).toContain(
      'Plan: 1 to create, 0 to change, 0 to destroy; 2 IAM bindings to add, 0 to remove; 1 firewall and 1 egress changes; 1 CODEOWNERS lines; in 1 workspace.',
    );
    expect(lines.some((line) => line.includes('payments.staging.shop'))).toBe(false);
  });

  it('plans nothing for invalid manifests, and refuses revisions that do not exist', async () => {
    await repository.write({
      [NEW_SECRET]: 'apiVersion: lowops.manifests.v1\nkind: Secret\nmetadata: {}\nspec: {}\n',
    });
    const invalid = await runCli(['plan', repository.directory]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toContain('nothing is planned while the repository has errors');
    await repository.git('checkout', '--', '.');
    const missing = await runCli(['plan', repository.directory, '--base', 'no-such-branch']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('"no-such-branch"');
  });
});

describe('infrastream plan on a real git repository, when a manifest moves to production', () => {
  const EXTRA = 'payments/staging/shop/extra.yaml';
  let repository: TestRepository;

  beforeAll(async () => {
    repository = await createTestRepository();
    const team = (name: string) => group(name).content;
    const ownedBy = (environment: string) =>
      `${new TextDecoder().decode(baseOrganization.get(`payments/${environment}/environment.yaml`))}  permissions:\n    contributors:\n      groups:\n        - ${environment}-team\n`;
    const extra = (environment: string) => `apiVersion: lowops.manifests.v1
kind: Secret
metadata:
  name: extra
  project: shop
  environment: ${environment}
  organizational-unit: payments
  organization: acme
spec:
  description: An extra secret
  lifecycle:
    allowReplacement: A new secret in production; its value is set again after the move
`;
    await repository.write({
      ...Object.fromEntries(baseOrganization),
      'groups/staging-team.yaml': team('staging-team'),
      'groups/production-team.yaml': team('production-team'),
      'payments/staging/environment.yaml': ownedBy('staging'),
      'payments/production/environment.yaml': ownedBy('production'),
      [EXTRA]: extra('staging'),
    });
    await repository.commit('Each environment has a team of its own');
    await repository.write({ [EXTRA]: extra('production') });
    await repository.commit('The extra secret moves to production');
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
  });

  it("asks production's owners, in the JSON plan and in the text plan", async () => {
    const json = await runCli([
      'plan',
      repository.directory,
      '--base',
      'HEAD~1',
      '--format',
      'json',
    ]);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as Plan;
    expect(plan.consent).toEqual([
      {
        workspace: 'payments.production.shop',
        edge: 'Secret:acme/payments/staging/shop/extra → Secret:acme/payments/production/shop/extra',
        requestedBy: EXTRA,
        target: 'payments/production/shop/project.yaml',
        owners: ['@acme-corp/platform', '@acme-corp/production-team'],
        reason: 'moves Secret extra from environment staging to production',
      },
    ]);
    const text = await runCli(['plan', repository.directory, '--base', 'HEAD~1']);
    expect(text.stdout).toContain(
      `      ${EXTRA} moves Secret extra from environment staging to production\n      approval from @acme-corp/platform @acme-corp/production-team  (owners of payments/production/shop/project.yaml)\n`,
    );
  });
});
