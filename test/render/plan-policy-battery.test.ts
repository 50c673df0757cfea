// The plan guard against a battery of saved plans in the shape `terraform show -json` prints:
// every insecure one must be refused with exactly the rules it breaks, every legitimate one
// (shaped like what the hardened modules produce) must pass without a finding.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../shared/core/plan-guard/check-plan.ts';
import type { PlanRuleId } from '../../shared/core/plan-guard/plan-rules.ts';

const battery = new URL('../fixtures/plans/battery/', import.meta.url);

/** Each insecure plan and the rules that must refuse it (no more, no fewer). */
const insecure: Record<string, PlanRuleId[]> = {
  'public-bucket-member-allusers': ['plan/public-member'],
  'public-run-invoker-lowercase': ['plan/public-member'],
  'public-topic-publisher-uppercase': ['plan/public-member'],
  'public-secret-principalset': ['plan/public-member'],
  'public-registry-reader-prefixed': ['plan/public-member'],
  'public-kms-group-prefixed': ['plan/public-member'],
  'public-iap-principalset-mixed-case': ['plan/public-member'],
  'public-project-member-padded': ['plan/public-member'],
  'public-folder-binding': [
    'plan/authoritative-iam',
    'plan/public-member',
    'plan/unknown-resource-type',
  ],
  'public-project-policy-data': [
    'plan/authoritative-iam',
    'plan/basic-role',
    'plan/public-member',
    'plan/unknown-resource-type',
  ],
  'public-subscription-policy-data-principalset': [
    'plan/authoritative-iam',
    'plan/public-member',
    'plan/unknown-resource-type',
  ],
  'authoritative-bucket-binding': ['plan/authoritative-iam', 'plan/unknown-resource-type'],
  'basic-role-project-owner': ['plan/basic-role'],
  'basic-role-organization-editor-case': ['plan/basic-role', 'plan/unknown-resource-type'],
  'basic-role-folder-viewer': ['plan/basic-role'],
  'privileged-project-iam-admin': ['plan/privileged-role'],
  'privileged-organization-security-admin': ['plan/privileged-role', 'plan/unknown-resource-type'],
  'privileged-folder-service-account-user': ['plan/privileged-role'],
  'privileged-project-token-creator': ['plan/privileged-role'],
  'privileged-workload-identity-user': ['plan/privileged-role', 'plan/unknown-resource-type'],
  'privileged-organization-admin': ['plan/privileged-role', 'plan/unknown-resource-type'],
  'privileged-role-admin-lowercase': ['plan/privileged-role'],
  'privileged-token-creator-not-the-pubsub-agent': [
    'plan/privileged-role',
    'plan/unknown-resource-type',
  ],
  'privileged-key-admin': ['plan/privileged-role'],
  'privileged-role-unknown-at-plan': ['plan/privileged-role'],
  'service-account-key': ['plan/service-account-key', 'plan/unknown-resource-type'],
  'acl-bucket-public-reader': ['plan/acl', 'plan/public-member', 'plan/unknown-resource-type'],
  'acl-object': ['plan/acl', 'plan/unknown-resource-type'],
  'acl-default-object-access-control': [
    'plan/acl',
    'plan/public-member',
    'plan/unknown-resource-type',
  ],
  'acl-bucket-access-control': ['plan/acl', 'plan/public-member', 'plan/unknown-resource-type'],
  'service-run-ingress-all-invoker-off': ['plan/exposed-service'],
  'service-run-ingress-unset': ['plan/exposed-service'],
  'service-run-v1-no-ingress-annotation': ['plan/exposed-service', 'plan/unknown-resource-type'],
  'service-run-v1-ingress-all': ['plan/exposed-service', 'plan/unknown-resource-type'],
  'service-function-v1-allow-all': ['plan/exposed-service', 'plan/unknown-resource-type'],
  'service-function-v2-allow-all': ['plan/exposed-service', 'plan/unknown-resource-type'],
  'firewall-split-ipv4-halves': ['plan/open-firewall'],
  'firewall-split-ipv6-halves': ['plan/open-firewall'],
  'firewall-ipv4-mapped-ipv6': ['plan/open-firewall'],
  'firewall-ipv6-zeros-spelled-out': ['plan/open-firewall'],
  'firewall-egress-ipv6-double-zero': ['plan/open-firewall'],
  'firewall-ingress-no-source': ['plan/open-firewall'],
  'firewall-egress-no-destination': ['plan/open-firewall'],
  'firewall-every-public-ipv4-range': ['plan/open-firewall'],
  'firewall-uppercase-ipv6-world': ['plan/open-firewall'],
  'firewall-ranges-unknown-at-plan': ['plan/open-firewall'],
  'firewall-policy-rule-world': ['plan/open-firewall', 'plan/unknown-resource-type'],
  'firewall-hierarchical-egress-no-destination': [
    'plan/open-firewall',
    'plan/unknown-resource-type',
  ],
  'firewall-regional-policy-rule-ipv6-world': ['plan/open-firewall', 'plan/unknown-resource-type'],
  'firewall-policy-rule-countries': ['plan/open-firewall', 'plan/unknown-resource-type'],
  'firewall-policy-with-rules-inline-world': ['plan/open-firewall', 'plan/unknown-resource-type'],
  'sql-authorized-network-world': ['plan/open-database', 'plan/unknown-resource-type'],
  'sql-public-ip-with-authorized-network': ['plan/open-database', 'plan/unknown-resource-type'],
  'sql-ssl-mode-allows-unencrypted': ['plan/database-ssl', 'plan/unknown-resource-type'],
  'sql-require-ssl-false': ['plan/database-ssl', 'plan/unknown-resource-type'],
  'sql-authorized-networks-split-world-default-ipv4': [
    'plan/open-database',
    'plan/unknown-resource-type',
  ],
  'alloydb-public-ip-world': ['plan/open-database'],
  'alloydb-unencrypted-connections': ['plan/database-ssl'],
  'external-ip-instance-access-config': ['plan/external-ip', 'plan/unknown-resource-type'],
  'external-ip-compute-address': ['plan/external-ip', 'plan/unknown-resource-type'],
  'external-ip-global-address-outside-ingress': ['plan/external-ip', 'plan/unknown-resource-type'],
  'bucket-public-access-inherited': ['plan/public-bucket'],
  'bucket-fine-grained-acls': ['plan/public-bucket'],
  'org-policy-v2-deleted': ['plan/org-policy-weakened'],
  'org-policy-v2-not-enforced': ['plan/org-policy-weakened', 'plan/unknown-resource-type'],
  'org-policy-v2-allow-all': ['plan/org-policy-weakened', 'plan/unknown-resource-type'],
  'org-policy-v2-reset': ['plan/org-policy-weakened', 'plan/unknown-resource-type'],
  'org-policy-v2-stops-inheriting': ['plan/org-policy-weakened', 'plan/unknown-resource-type'],
  'org-policy-legacy-not-enforced': ['plan/org-policy-weakened', 'plan/unknown-resource-type'],
  'org-policy-legacy-folder-allow-all': ['plan/org-policy-weakened', 'plan/unknown-resource-type'],
  'org-policy-legacy-project-restore-default': [
    'plan/org-policy-weakened',
    'plan/unknown-resource-type',
  ],
  'org-policy-legacy-project-deleted': ['plan/org-policy-weakened'],
  'destroy-bucket': ['plan/protected-destroy'],
  'destroy-secret-by-replacement': ['plan/protected-destroy'],
  'destroy-sql-database': ['plan/protected-destroy'],
  'destroy-subscription': ['plan/protected-destroy'],
  'destroy-folder': ['plan/protected-destroy'],
  'destroy-alloydb-instance-by-replacement': ['plan/protected-destroy'],
  'destroy-kms-key-ring': ['plan/protected-destroy'],
  'unknown-type-hmac-key-at-root': ['plan/unknown-resource-type'],
  'unknown-type-network-peering-in-hub': ['plan/unknown-resource-type'],
  'unknown-type-custom-role-in-project': ['plan/unknown-resource-type'],
  'unknown-type-project-service-at-root': ['plan/unknown-resource-type'],
  'unknown-type-module-type-in-other-module': ['plan/unknown-resource-type'],
};

const names = (kind: string) =>
  readdirSync(new URL(`${kind}/`, battery))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();

const read = (kind: string, name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`${kind}/${name}.json`, battery), 'utf8')) as Record<
    string,
    unknown
  >;

const insecureNames = names('insecure');
const legitimateNames = names('legitimate');

describe('the plan guard battery', () => {
  it('has at least 40 insecure and 12 legitimate plans, each insecure one with its rules', () => {
    expect(insecureNames.length).toBeGreaterThanOrEqual(40);
    expect(legitimateNames.length).toBeGreaterThanOrEqual(12);
    expect(insecureNames).toEqual(Object.keys(insecure).sort());
  });

  it.each(insecureNames)('refuses %s with exactly the rules it breaks', (name) => {
    const check = checkPlan(read('insecure', name));
    const errors = check.issues.filter((issue) => issue.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect([...new Set(check.issues.map((issue) => issue.rule))].sort()).toEqual(insecure[name]);
  });

  it.each(legitimateNames)('allows %s without a finding', (name) => {
    const check = checkPlan(read('legitimate', name));
    expect(check.issues).toEqual([]);
    expect(check.resourceChanges).toBeGreaterThan(0);
  });

  it.each([
    ...insecureNames.map((name) => ['insecure', name]),
    ...legitimateNames.map((name) => ['legitimate', name]),
  ])('keeps %s/%s in the shape terraform show -json prints', (kind, name) => {
    const plan = read(kind, name);
    expect(plan['format_version']).toBe('1.2');
    expect(plan['terraform_version']).toMatch(/^1\.\d+\.\d+$/);
    expect([plan['applyable'], plan['complete'], plan['errored']]).toEqual([true, true, false]);
    expect(Object.keys(plan['planned_values'] as object)).toEqual(['root_module']);
    expect(Object.keys(plan['configuration'] as object)).toEqual([
      'provider_config',
      'root_module',
    ]);
    const calls = Object.keys(
      (plan['configuration'] as { root_module: { module_calls?: object } }).root_module
        .module_calls ?? {},
    );
    for (const change of plan['resource_changes'] as Record<string, unknown>[]) {
      expect(Object.keys(change)).toEqual(
        expect.arrayContaining(['address', 'mode', 'type', 'name', 'provider_name', 'change']),
      );
      expect(Object.keys(change['change'] as object).sort()).toEqual([
        'actions',
        'after',
        'after_sensitive',
        'after_unknown',
        'before',
        'before_sensitive',
      ]);
      const moduleAddress = change['module_address'];
      if (typeof moduleAddress === 'string') {
        expect(calls).toContain(moduleAddress.slice('module.'.length));
      }
    }
  });
});
