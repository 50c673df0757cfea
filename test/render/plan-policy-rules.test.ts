// The plan guard's building blocks, one behaviour at a time: ranges, principals, roles,
// module attribution, unknown values and the narrow exceptions.
import { describe, expect, it } from 'vitest';
import { peopleRoles, secretRoles, workloadRoles } from '../../shared/core/governance/iam-roles.ts';
import { checkPlan } from '../../shared/core/plan-guard/check-plan.ts';
import { internetReach } from '../../shared/core/governance/ip-ranges.ts';
import { UNKNOWN, withUnknowns } from '../../shared/core/plan-guard/planned-values.ts';
import { isBasicRole, isPrivilegedRole } from '../../shared/core/plan-guard/privileged-roles.ts';
import { isPublicPrincipal } from '../../shared/core/plan-guard/public-principals.ts';
import { readPlan } from '../../shared/core/plan-guard/read-plan.ts';

/** A plan of one resource change at `address`, in calls of terraform-modules/ directories. */
function planAt(
  address: string,
  type: string,
  after: unknown,
  calls: Record<string, unknown> = {},
  afterUnknown: unknown = {},
) {
  const cut = address.lastIndexOf(`.${type}.`);
  const moduleAddress = cut === -1 ? undefined : address.slice(0, cut);
  return {
    format_version: '1.2',
    planned_values: { root_module: {} },
    resource_changes: [
      {
        address,
        ...(moduleAddress === undefined ? {} : { module_address: moduleAddress }),
        mode: 'managed',
        type,
        name: address.slice(address.lastIndexOf(`${type}.`) + type.length + 1).replace(/\[.*$/, ''),
        change: { actions: ['create'], before: null, after, after_unknown: afterUnknown },
      },
    ],
    configuration: { root_module: { module_calls: calls } },
  };
}

const call = (module: string, inner?: Record<string, unknown>) => ({
  source: `../../terraform-modules/${module}`,
  ...(inner === undefined ? {} : { module: { module_calls: inner } }),
});

const rules = (plan: unknown) => checkPlan(plan).issues.map((issue) => issue.rule);

describe('internetReach', () => {
  it('sees the whole internet however the ranges are spelled or split', () => {
    for (const ranges of [
      ['0.0.0.0/0'],
      ['0.0.0.0/1', '128.0.0.0/1'],
      ['1.2.3.4/0'],
      [' 0.0.0.0/0 '],
      ['::ffff:0:0/96'],
      ['::ffff:0.0.0.0/96'],
      // 6to4 embeds every IPv4 address, so a range holding it reaches IPv4 through relays.
      ['2002::/16'],
      ['2000::/4'],
    ]) {
      expect(internetReach(ranges).internet, ranges.join(' ')).toContain('IPv4');
    }
    for (const ranges of [
      ['::/0'],
      ['::0/0'],
      ['0:0:0:0:0:0:0:0/0'],
      ['::/1', '8000::/1'],
      ['2000::/3'],
      ['2000::/4', '3000::/4'],
    ]) {
      expect(internetReach(ranges).internet, ranges.join(' ')).toContain('IPv6');
    }
  });

  it('does not mistake private, partial or narrow ranges for the internet', () => {
    for (const ranges of [
      ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
      ['0.0.0.0/1'],
      ['35.191.0.0/16', '130.211.0.0/22'],
      ['fc00::/7'],
      ['2600::/12'],
      [],
    ]) {
      expect(internetReach(ranges).internet, ranges.join(' ')).toEqual([]);
    }
  });

  it('names what it cannot read instead of passing it', () => {
    expect(
      internetReach(['10.0.0.0/33', 'anywhere', '1:2:3::4::5/64', '10.0.0.0/8']).unreadable,
    ).toEqual(['10.0.0.0/33', 'anywhere', '1:2:3::4::5/64']);
  });
});

describe('public principals', () => {
  it('recognises every spelling of anyone', () => {
    for (const member of [
      'allUsers',
      'allusers',
      'ALLAUTHENTICATEDUSERS',
      'user:allUsers',
      'group:allAuthenticatedUsers',
      ' allUsers ',
      'principalSet://goog/public:all',
      'PRINCIPALSET://GOOG/PUBLIC:ALL',
      'user:principalSet://goog/public:all',
    ]) {
      expect(isPublicPrincipal(member), member).toBe(true);
    }
  });

  it('leaves named people, groups, domains and workforce sets alone', () => {
    for (const member of [
      'group:allusers@kestrel-freight.example',
      'domain:kestrel-freight.example',
      'serviceAccount:all-users@kestrel.iam.gserviceaccount.com',
      'principalSet://iam.googleapis.com/locations/global/workforcePools/kestrel/group/all',
    ]) {
      expect(isPublicPrincipal(member), member).toBe(false);
    }
  });
});

describe('roles', () => {
  it('calls basic and privileged roles so in any case', () => {
    expect(['roles/OWNER', 'Roles/Editor', 'roles/viewer'].every(isBasicRole)).toBe(true);
    for (const role of [
      'roles/resourcemanager.projectIamAdmin',
      'roles/resourcemanager.folderIamAdmin',
      'roles/resourcemanager.organizationAdmin',
      'roles/resourcemanager.tagAdmin',
      'roles/iam.securityAdmin',
      'roles/iam.roleAdmin',
      'roles/iam.organizationRoleAdmin',
      'roles/iam.serviceAccountAdmin',
      'roles/iam.serviceAccountKeyAdmin',
      'roles/IAM.serviceAccountTokenCreator',
      'roles/iam.serviceAccountUser',
      'roles/iam.workloadIdentityUser',
      'roles/run.admin',
      'roles/run.serviceAgent',
    ]) {
      expect(isPrivilegedRole(role), role).toBe(true);
    }
  });

  it('grants none of the roles Infrastream itself gives people and workloads', () => {
    const granted = [
      ...Object.values(peopleRoles).flat(),
      ...Object.values(secretRoles).flat(),
      ...Object.values(workloadRoles),
      'roles/pubsub.subscriber',
      'roles/cloudkms.cryptoKeyEncrypterDecrypter',
    ];
    expect(granted.filter((role) => isBasicRole(role) || isPrivilegedRole(role))).toEqual([]);
  });

  it('admits the Pub/Sub service agent as token creator in pubsub-topic only', () => {
    const grant = (member: string, module: string) =>
      rules(
        planAt(
          'module.topic.google_service_account_iam_member.push_token_creator',
          'google_service_account_iam_member',
          { role: 'roles/iam.serviceAccountTokenCreator', member, service_account_id: 'x' },
          { topic: call(module) },
        ),
      ).filter((rule) => rule !== 'plan/unknown-resource-type');
    const agent = 'serviceAccount:service-482910374615@gcp-sa-pubsub.iam.gserviceaccount.com';
    expect(grant(agent, 'pubsub-topic')).toEqual([]);
    expect(grant(agent, 'app-identity')).toEqual(['plan/privileged-role']);
    expect(grant('user:dana@kestrel-freight.example', 'pubsub-topic')).toEqual([
      'plan/privileged-role',
    ]);
  });
});

describe('reading a plan', () => {
  it('follows nested and indexed module calls to their directory', () => {
    const plan = planAt(
      'module.app["api"].module.store.google_storage_bucket.this',
      'google_storage_bucket',
      {},
      { app: call('cloud-run-service', { store: call('bucket') }) },
    );
    expect(readPlan(plan).resources[0]?.module).toBe('bucket');
  });

  it('marks what is known only after apply, and keeps keys such as __proto__ as keys', () => {
    const merged = withUnknowns(JSON.parse('{"__proto__": "x", "list": [null, "a"]}'), {
      list: [true, false],
      id: true,
    }) as Record<string, unknown>;
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(merged['list']).toEqual([UNKNOWN, 'a']);
    expect(merged['id']).toBe(UNKNOWN);
    expect(withUnknowns(null, {})).toBe(null);
  });

  it('allows an ingress rule whose only sources are service accounts created in the same apply', () => {
    const plan = planAt(
      'module.firewall.google_compute_firewall.allow["from-api"]',
      'google_compute_firewall',
      {
        allow: [{ protocol: 'tcp' }],
        direction: 'INGRESS',
        source_ranges: null,
        source_service_accounts: [null],
      },
      { firewall: call('project-firewall') },
      { source_service_accounts: [true] },
    );
    expect(rules(plan)).toEqual([]);
  });
});

describe('narrow exceptions', () => {
  it('admits the external address of the public-ingress load balancer and no other', () => {
    const address = (name: string, module: string) =>
      rules(
        planAt(
          `module.ingress.google_compute_global_address.${name}`,
          'google_compute_global_address',
          { address_type: 'EXTERNAL', ip_version: 'IPV4' },
          { ingress: call(module) },
        ),
      );
    expect(address('this', 'public-ingress')).toEqual([]);
    expect(address('second', 'public-ingress')).toEqual(['plan/external-ip']);
  });

  it('lets a policy below the organization stop inheriting only to enforce or deny all', () => {
    const policy = (rule: Record<string, unknown>) =>
      rules(
        planAt('google_org_policy_policy.p', 'google_org_policy_policy', {
          name: 'projects/p/policies/compute.vmExternalIpAccess',
          parent: 'projects/p',
          spec: [{ inherit_from_parent: false, rules: [rule] }],
        }),
      ).filter((id) => id !== 'plan/unknown-resource-type');
    expect(policy({ deny_all: 'TRUE' })).toEqual([]);
    expect(policy({ values: [{ allowed_values: ['projects/p/zones/a'] }] })).toEqual([
      'plan/org-policy-weakened',
    ]);
  });
});
