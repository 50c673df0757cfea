import {
  AUTHORITATIVE_IAM_RESOURCE,
  checkAuthoritativeIam,
  checkBasicRoles,
  checkPrivilegedRoles,
  checkPublicMembers,
  IAM_RESOURCE,
} from './iam-checks.ts';
import {
  checkExternalIp,
  checkFirewall,
  checkFirewallPolicyRule,
  checkFirewallPolicyWithRules,
  EXTERNAL_IP_TYPES,
  FIREWALL_POLICY_RULE_TYPES,
  FIREWALL_POLICY_WITH_RULES_TYPES,
} from './network-checks.ts';
import { checkOrgPolicy, ORG_POLICY_TYPES } from './org-policy-checks.ts';
import type { Finding, PlanRule } from './plan-rule.ts';
import type { Attributes } from './planned-values.ts';
import { checkProtectedDestroy, protectedResourceTypes } from './protected-resources.ts';
import type { PlannedResource } from './read-plan.ts';
import {
  ACL_RESOURCE,
  checkAcl,
  checkBucket,
  checkDatabaseSsl,
  checkOpenDatabase,
  checkServiceAccountKey,
  checkServiceIngress,
  DATABASE_INSTANCE_TYPES,
  SERVICE_TYPES,
} from './resource-checks.ts';
import { checkResourceType } from './resource-type-checks.ts';

const FIREWALL_TYPES = [
  'google_compute_firewall',
  ...FIREWALL_POLICY_RULE_TYPES,
  ...FIREWALL_POLICY_WITH_RULES_TYPES,
];

/**
 * The rule table of the plan guard: every managed resource change of a plan is judged by
 * each rule whose `judges` takes its type. The docs (docs/governance.md, "Plan guard") show
 * this table, and a test keeps the two equal.
 */
export const planRules = {
  'plan/unknown-resource-type': {
    summary:
      'Every resource is of a type the hardened modules declare (the list generated from terraform-modules/), or one the renderer writes at the root.',
    mirrors: [],
    judges: 'every type',
    reads: 'after',
    check: checkResourceType,
  },
  'plan/authoritative-iam': {
    summary:
      'IAM is granted member by member; `*_iam_binding` and `*_iam_policy` resources replace whatever else holds the role or the policy.',
    mirrors: [],
    judges: AUTHORITATIVE_IAM_RESOURCE,
    reads: 'after',
    check: checkAuthoritativeIam,
  },
  'plan/public-member': {
    summary:
      'Nothing is granted to allUsers, allAuthenticatedUsers or principalSet://goog/public:all, in any case or prefix, by an IAM resource, inside policy_data, or in any other attribute.',
    mirrors: [
      'CKV_GCP_28',
      'CKV_GCP_99',
      'CKV_GCP_101',
      'CKV_GCP_102',
      'CKV_GCP_107',
      'CKV_GCP_112',
      'CKV_GCP_113',
      'CKV2_GCP_6',
      'CKV2_GCP_8',
      'CIS GCP 5.1',
    ],
    judges: 'every type',
    reads: 'after',
    check: checkPublicMembers,
  },
  'plan/basic-role': {
    summary:
      'No member is granted a basic role (roles/owner, roles/editor, roles/viewer), in any case.',
    mirrors: ['CKV_GCP_115', 'CKV_GCP_116', 'CKV_GCP_117'],
    judges: IAM_RESOURCE,
    reads: 'after',
    check: (after: Attributes) => checkBasicRoles(after),
  },
  'plan/privileged-role': {
    summary:
      'No role that administers IAM or the resource hierarchy, or acts as a service account, is granted, except the grants a module needs; every role is known when the plan is made.',
    mirrors: [
      'CKV_GCP_41',
      'CKV_GCP_42',
      'CKV_GCP_44',
      'CKV_GCP_45',
      'CKV_GCP_49',
      'CIS GCP 1.5',
      'CIS GCP 1.6',
    ],
    judges: IAM_RESOURCE,
    reads: 'after',
    check: checkPrivilegedRoles,
  },
  'plan/service-account-key': {
    summary: 'No service account key is created: workloads use attached identities.',
    mirrors: ['CKV2_GCP_3', 'CIS GCP 1.4'],
    judges: ['google_service_account_key'],
    reads: 'after',
    check: () => checkServiceAccountKey(),
  },
  'plan/acl': {
    summary:
      'No access control list resource (`*_acl`, `*_access_control`, BigQuery dataset access): access is IAM, member by member.',
    mirrors: [],
    judges: ACL_RESOURCE,
    reads: 'after',
    check: checkAcl,
  },
  'plan/exposed-service': {
    summary:
      'Cloud Run services (v1 and v2) and Cloud Functions (1st and 2nd gen) admit only internal and load-balancer traffic, so that the load balancer (with Cloud Armor, and IAP where routes ask for it) is the only way in from the internet.',
    mirrors: ['CKV_GCP_124'],
    judges: SERVICE_TYPES,
    reads: 'after',
    check: checkServiceIngress,
  },
  'plan/open-firewall': {
    summary:
      'No firewall rule or firewall policy rule allows traffic from or to the whole internet: judged on the union of its ranges, IPv4 and IPv6 in any spelling, and a rule with no source or destination counts as 0.0.0.0/0.',
    mirrors: [
      'CKV_GCP_2',
      'CKV_GCP_3',
      'CKV_GCP_75',
      'CKV_GCP_77',
      'CKV_GCP_88',
      'CKV_GCP_106',
      'CKV2_GCP_12',
      'CIS GCP 3.6',
      'CIS GCP 3.7',
    ],
    judges: FIREWALL_TYPES,
    reads: 'after',
    check: (after: Attributes, resource: PlannedResource): readonly Finding[] =>
      resource.type === 'google_compute_firewall'
        ? checkFirewall(after)
        : FIREWALL_POLICY_WITH_RULES_TYPES.includes(resource.type)
          ? checkFirewallPolicyWithRules(after)
          : checkFirewallPolicyRule(after),
  },
  'plan/open-database': {
    summary:
      'No Cloud SQL or AlloyDB authorized network reaches the internet, and no instance takes connections from authorized networks on a public IP.',
    mirrors: ['CKV_GCP_11', 'CIS GCP 6.5'],
    judges: DATABASE_INSTANCE_TYPES,
    reads: 'after',
    check: checkOpenDatabase,
  },
  'plan/database-ssl': {
    summary:
      'Database connections are encrypted: Cloud SQL ssl_mode ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED (and require_ssl never false), AlloyDB never ALLOW_UNENCRYPTED_AND_ENCRYPTED.',
    mirrors: ['CKV_GCP_6', 'CIS GCP 6.4'],
    judges: DATABASE_INSTANCE_TYPES,
    reads: 'after',
    check: checkDatabaseSsl,
  },
  'plan/external-ip': {
    summary:
      "No instance has an external IP and no address is external, except the public-ingress module's load balancer address.",
    mirrors: ['CKV_GCP_40', 'CIS GCP 4.9'],
    judges: EXTERNAL_IP_TYPES,
    reads: 'after',
    check: checkExternalIp,
  },
  'plan/public-bucket': {
    summary: 'Every bucket enforces public access prevention and uniform bucket-level access.',
    mirrors: ['CKV_GCP_114', 'CKV_GCP_29', 'CIS GCP 5.2'],
    judges: ['google_storage_bucket'],
    reads: 'after',
    check: (after: Attributes) => checkBucket(after),
  },
  'plan/org-policy-weakened': {
    summary:
      'No organization policy is removed or weakened (reset, not enforced, all values allowed, or no longer inherited below the organization).',
    mirrors: [],
    judges: ORG_POLICY_TYPES,
    reads: 'change',
    check: (resource: PlannedResource) => checkOrgPolicy(resource),
  },
  'plan/protected-destroy': {
    summary:
      'Data-bearing resources (the protected types) are not destroyed or replaced unless the rendered manifests allow it for their module call, or destruction is allowed for the run.',
    mirrors: ['CKV_GCP_82'],
    judges: protectedResourceTypes,
    reads: 'change',
    check: checkProtectedDestroy,
  },
} as const satisfies Readonly<Record<string, PlanRule>>;

/** A rule id of the plan guard. */
export type PlanRuleId = keyof typeof planRules;
