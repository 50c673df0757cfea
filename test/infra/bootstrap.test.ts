// Facts about infra/bootstrap/, applied once before infra/: what it makes safe by ordering, how
// its buckets hold state, and that every role of the build identity says what needs it.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { text } from '../terraform-modules/load-modules.ts';
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

  it('INFRASTREAM_BOOTSTRAP_ROLES: each role of the build identity names the rendered resource that needs it', () => {
    for (const local of ['organization_roles', 'hub_roles']) {
      const roles = Object.keys(bootstrap.locals.get(local) as Record<string, string>);
      expect(roles.length, local).toBeGreaterThan(0);
      for (const role of roles) expect(commentAbove(`"${role}"`), role).toMatch(/\bgoogle_\w+/);
    }
    const grants = bootstrap.resources.filter((block) => 'role' in block.body);
    for (const grant of grants.filter((block) => /^roles\//.test(text(block.body.role)))) {
      expect(commentAbove(`"${grant.type}" "${grant.name}"`), address(grant)).toMatch(
        /\b(google_\w+|terraform|Cloud Build)\b/,
      );
    }
    expect(grants.every((block) => block.type.endsWith('_iam_member'))).toBe(true);
    const granted = [
      ...grants.map((block) => text(block.body.role)),
      ...['organization_roles', 'hub_roles'].flatMap((local) =>
        Object.keys(bootstrap.locals.get(local) as Record<string, string>),
      ),
    ];
    expect(granted.filter((role) => /roles\/(owner|editor|viewer)\b/.test(role))).toEqual([]);
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
