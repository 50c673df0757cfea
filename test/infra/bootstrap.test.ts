// Facts about infra/bootstrap/, applied once before infra/: what it makes safe by ordering, how
// its buckets hold state, that every role and permission of the build identity says what needs
// it, that none reaches beyond what the rendered workspaces do, and that the seed stays out of reach.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { peopleRoles } from '../../shared/core/governance/iam-roles.ts';
import { isBody, text } from '../terraform-modules/load-modules.ts';
import { address, infraDir, loadRootModule, resource, strings } from './load-infra.ts';

const bootstrap = await loadRootModule(join(infraDir, 'bootstrap'));
const source = [...bootstrap.files.values()].join('\n');
const lines = source.split('\n');

/** The comment lines right above the first line that contains `needle`, as one text. */
function commentAbove(needle: string): string {
  const at = lines.findIndex((line) => line.includes(needle));
  const comment: string[] = [];
  for (let index = at - 1; index >= 0 && /^\s*#/.test(lines[index] ?? ''); index--) {
    comment.unshift(lines[index] ?? '');
  }
  return comment.join('\n');
}

/** The build identity's organization-level permissions, each with the resource that needs it. */
function organizationPermissions(): Record<string, string> {
  return (bootstrap.locals.get('organization_permissions') ?? {}) as Record<string, string>;
}

describe('infra/bootstrap', () => {
  it('INFRASTREAM_BOOTSTRAP_CLOUD_BUILDS: creates cloud-builds before anything enables Cloud Build', () => {
    const topic = resource(bootstrap, 'google_pubsub_topic', 'cloud_builds').body;
    expect(topic.name).toBe('cloud-builds');
    expect(topic.depends_on).toEqual(['${google_project_service.foundation}']);
    // Cloud Build, and Cloud Functions, which enables it, wait for the topic.
    const apis = text(bootstrap.locals.get('apis'));
    expect(apis).toContain('"cloudbuild.googleapis.com"');
    expect(apis).toContain('"cloudfunctions.googleapis.com"');
    expect(resource(bootstrap, 'google_project_service', 'seed').body.depends_on).toEqual([
      '${google_pubsub_topic.cloud_builds}',
    ]);
    const foundation = text(bootstrap.locals.get('foundation_apis'));
    expect(foundation).not.toMatch(/cloudbuild|cloudfunctions/);
    expect(foundation).toContain('"pubsub.googleapis.com"');
    expect(foundation).toContain('"cloudresourcemanager.googleapis.com"');
  });

  it('INFRASTREAM_BOOTSTRAP_BUCKETS: versioned state, uniform access, public access prevented', () => {
    const bucket = resource(bootstrap, 'google_storage_bucket', 'this').body;
    expect(bucket).toMatchObject({
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
      force_destroy: false,
    });
    const buckets = bootstrap.locals.get('buckets') as Record<string, { versioned: boolean }>;
    expect(buckets['state']?.versioned).toBe(true);
    expect(buckets['workspaces_state']?.versioned).toBe(true);
    // infra/'s state and the workspaces' are apart: the build identity writes only the latter.
    expect(
      resource(bootstrap, 'google_storage_bucket_iam_member', 'cloud_build_workspaces_state').body
        .bucket,
    ).toBe('${google_storage_bucket.this["workspaces_state"].name}');
    expect(
      bootstrap.resources
        .filter((block) => strings(block.body).some((value) => value.includes('this["state"]')))
        .map(address),
    ).toEqual([]);
  });

  it('INFRASTREAM_BOOTSTRAP_ROLES: each role and permission of the build identity names the rendered resource that needs it', () => {
    const hubRoles = Object.keys(bootstrap.locals.get('hub_roles') as Record<string, string>);
    expect(hubRoles.length).toBeGreaterThan(0);
    for (const role of hubRoles) expect(commentAbove(`"${role}"`), role).toMatch(/\bgoogle_\w+/);
    const permissions = [
      ...Object.entries(organizationPermissions()),
      ...Object.entries(
        (bootstrap.locals.get('workspaces_folder_permissions') ?? {}) as Record<string, string>,
      ),
    ];
    expect(permissions.length).toBeGreaterThan(2);
    for (const [permission, needs] of permissions)
      expect(needs, permission).toMatch(/^google_\w+$/);
    const grants = bootstrap.resources.filter((block) => 'role' in block.body);
    // A for_each grant's roles are the keys of a local, checked above.
    for (const grant of grants.filter((block) => !text(block.body.role).includes('each.'))) {
      expect(commentAbove(`"${grant.type}" "${grant.name}"`), address(grant)).toMatch(
        /\b(google_\w+|terraform|Cloud Build)\b/,
      );
    }
    expect(grants.every((block) => block.type.endsWith('_iam_member'))).toBe(true);
    const granted = [...grants.map((block) => text(block.body.role)), ...hubRoles];
    expect(granted.filter((role) => /roles\/(owner|editor|viewer)\b/.test(role))).toEqual([]);
  });

  it('INFRASTREAM_BOOTSTRAP_ORGANIZATION: on the organization the build identity holds only Shared VPC, no predefined admin role and no IAM', () => {
    const organizationGrants = bootstrap.resources.filter(
      (block) =>
        block.type === 'google_organization_iam_member' &&
        block.body.member === '${local.build_member}',
    );
    expect(organizationGrants.map(address)).toEqual(['google_organization_iam_member.cloud_build']);
    expect(organizationGrants[0]?.body.role).toBe(
      '${google_organization_iam_custom_role.cloud_build_shared_vpc.name}',
    );
    expect(organizationGrants[0]?.body.for_each).toBeUndefined();
    // Nowhere in the root, whether as a grant, a local or a role list.
    const everything = [
      ...bootstrap.resources.flatMap((block) => strings(block.body)),
      ...[...bootstrap.locals.values()].flatMap((value) => [
        ...strings(value),
        ...(isBody(value) ? Object.keys(value) : []),
      ]),
    ];
    for (const role of [
      'roles/iam.securityAdmin',
      'roles/resourcemanager.folderAdmin',
      'roles/resourcemanager.projectCreator',
      'roles/compute.xpnAdmin',
    ]) {
      expect(
        everything.filter((value) => value.includes(role)),
        role,
      ).toEqual([]);
    }
    const role = resource(
      bootstrap,
      'google_organization_iam_custom_role',
      'cloud_build_shared_vpc',
    ).body;
    expect(role.org_id).toBe('${var.organization_id}');
    expect(role.permissions).toBe('${sort(keys(local.organization_permissions))}');
    // No allow policy, folder or project of the organization is written from there.
    expect(Object.keys(organizationPermissions()).sort()).toEqual([
      'compute.organizations.enableXpnHost',
      'compute.organizations.enableXpnResource',
    ]);
  });

  it('INFRASTREAM_BOOTSTRAP_WORKSPACES_FOLDER: folders, projects and people roles only in the workspaces folder, which holds neither the seed nor the hub', () => {
    const folder = resource(bootstrap, 'google_folder', 'workspaces').body;
    expect(folder.parent).toBe('organizations/${var.organization_id}');
    expect(folder.deletion_protection).toBe(true);
    for (const project of ['seed', 'hub']) {
      const body = resource(bootstrap, 'google_project', project).body;
      expect(
        strings(body).filter((value) => value.includes('google_folder.')),
        project,
      ).toEqual([]);
    }
    expect(bootstrap.outputs.get('workspaces_folder')?.value).toBe(
      '${google_folder.workspaces.name}',
    );
    const grants = bootstrap.resources.filter((block) => block.type === 'google_folder_iam_member');
    expect(grants.map(address)).toEqual(['google_folder_iam_member.cloud_build']);
    expect(grants[0]?.body).toMatchObject({
      folder: '${google_folder.workspaces.name}',
      role: '${google_organization_iam_custom_role.cloud_build.name}',
    });
    // Its setIamPolicy there changes grants of the people roles only, the roles the
    // organization workspace renders on the workspaces folder and the folders under it.
    const [condition] = grants[0]?.body.condition as Record<string, string>[];
    expect(condition?.expression).toContain(
      "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([",
    );
    expect(condition?.expression).toContain('local.organization_grantable_roles');
    expect(bootstrap.locals.get('organization_grantable_roles')).toEqual(
      [...new Set(Object.values(peopleRoles).flat())].sort(),
    );
    const role = resource(bootstrap, 'google_organization_iam_custom_role', 'cloud_build').body;
    expect(role.permissions).toBe('${sort(keys(local.workspaces_folder_permissions))}');
    const permissions = Object.keys(
      (bootstrap.locals.get('workspaces_folder_permissions') ?? {}) as Record<string, string>,
    );
    expect(permissions.filter((permission) => permission.endsWith('.setIamPolicy'))).toEqual([
      'resourcemanager.folders.setIamPolicy',
    ]);
    // No folder is ever deleted or moved.
    expect(
      permissions.filter(
        (permission) =>
          !/^(resourcemanager\.folders\.|resourcemanager\.projects\.create$)/.test(permission) ||
          /\.(delete|move|undelete)$/.test(permission),
      ),
    ).toEqual([]);
  });

  it('INFRASTREAM_BOOTSTRAP_DRIFT_READ_ONLY: the drift identity reads the workspaces and their state, and writes nothing', () => {
    const driftGrants = bootstrap.resources.filter((block) =>
      strings(block.body).some((value) => value.includes('local.drift_member')),
    );
    const roles = Object.keys(bootstrap.locals.get('drift_organization_roles') as object);
    expect(resource(bootstrap, 'google_organization_iam_member', 'drift').body).toMatchObject({
      for_each: '${local.drift_organization_roles}',
      role: '${each.key}',
    });
    const granted = [
      ...roles,
      ...driftGrants
        .map((block) => text(block.body.role))
        .filter((role) => !role.includes('each.')),
    ];
    expect(granted.length).toBeGreaterThan(5);
    // Viewers, readers and the security reviewer only: no admin, editor, user, writer or creator.
    expect(
      granted.filter(
        (role) =>
          !/^roles\/([\w.]*([vV]iewer|[rR]eader)|browser|iam\.securityReviewer)$/.test(role),
      ),
    ).toEqual([]);
    expect(
      resource(bootstrap, 'google_storage_bucket_iam_member', 'drift_workspaces_state').body,
    ).toMatchObject({
      bucket: '${google_storage_bucket.this["workspaces_state"].name}',
      role: 'roles/storage.objectViewer',
    });
    // The Asset Inventory is read by the drift function, not by the builds.
    expect(
      resource(bootstrap, 'google_organization_iam_member', 'drift_function_asset_viewer').body
        .role,
    ).toBe('roles/cloudasset.viewer');
    expect(
      bootstrap.resources.filter(
        (block) => text(block.body.role) === 'roles/iam.serviceAccountUser',
      ),
    ).toEqual([]);
  });

  it('INFRASTREAM_BOOTSTRAP_SEED_DENY: a deny policy on the seed project keeps the build identity off its IAM, identities, secrets and buckets', () => {
    const deny = resource(bootstrap, 'google_iam_deny_policy', 'seed').body;
    expect(deny.parent).toBe(
      '${urlencode("cloudresourcemanager.googleapis.com/projects/${google_project.seed.project_id}")}',
    );
    const rules = deny.rules as { deny_rule: Record<string, unknown>[] }[];
    const rule = rules[0]?.deny_rule[0] ?? {};
    expect(rule.denied_principals).toEqual([
      'principal://iam.googleapis.com/projects/-/serviceAccounts/${google_service_account.cloud_build.email}',
    ]);
    expect(rule.exception_permissions).toBeUndefined();
    expect(rule.denial_condition).toBeUndefined();
    expect(rule.denied_permissions).toBe('${local.seed_denied_permissions}');
    expect(bootstrap.locals.get('seed_denied_permissions')).toEqual(
      expect.arrayContaining([
        'cloudresourcemanager.googleapis.com/projects.setIamPolicy',
        'iam.googleapis.com/serviceAccounts.setIamPolicy',
        'iam.googleapis.com/serviceAccounts.getAccessToken',
        'iam.googleapis.com/serviceAccountKeys.create',
        'secretmanager.googleapis.com/secrets.setIamPolicy',
        'secretmanager.googleapis.com/versions.access',
        'secretmanager.googleapis.com/versions.add',
        'storage.googleapis.com/buckets.setIamPolicy',
      ]),
    );
  });

  it('INFRASTREAM_BOOTSTRAP_LAYOUT: validated, described inputs, and a README that lists inputs and outputs', () => {
    for (const [name, variable] of bootstrap.variables) {
      expect(typeof variable.description, name).toBe('string');
      expect(bootstrap.readme, name).toContain(`| \`${name}\` |`);
    }
    for (const name of bootstrap.outputs.keys()) {
      expect(bootstrap.readme, name).toContain(`| \`${name}\` |`);
    }
    expect(bootstrap.terraform[0]?.required_version).toBe('>= 1.6');
  });
});
