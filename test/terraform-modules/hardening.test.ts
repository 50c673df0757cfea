// Hardening facts that hold across every module under terraform-modules/.
import { describe, expect, it } from 'vitest';
import {
  blocks,
  isBody,
  isExpression,
  label,
  loadModules,
  validationText,
  variableReferences,
} from './load-modules.ts';

const modules = await loadModules();
const allResources = modules.flatMap((module) => module.resources);
const allData = modules.flatMap((module) => module.data);

const expectedModules = [
  'alloydb',
  'app-identity',
  'artifact-registry',
  'bucket',
  'cloud-run-service',
  'folder',
  'kms-key',
  'network-hub',
  'project',
  'project-firewall',
  'public-ingress',
  'pubsub-topic',
  'secret',
];

// A variable whose name reads like a way to turn a safeguard off. Hardened values are literals.
const securityToggles = [
  /public/,
  /^uniform_/,
  /^enable_public/,
  /force_destroy/,
  /deletion_protection/,
  /deletion_policy/,
  /prevent_destroy/,
  /^allow_.*_all$/,
  /^disable_/,
  /insecure/,
  /unencrypted/,
  /ssl_mode/,
  /require_ssl/,
  /versioning/,
  /binary_authorization/,
  /ingress/,
  /flow_log/,
  /log_config/,
  /audit/,
  /enforce/,
  /^skip_/,
  /^(enable|disable)_iap|iap_enabled/,
  /auto_create_network/,
  /default_service_account/,
  /rotation_enabled/,
];

// google_* resource types of provider 6.x that carry a deletion_protection argument.
const deletionProtectionTypes = new Set([
  'google_folder',
  'google_cloud_run_v2_service',
  'google_cloud_run_v2_job',
  'google_sql_database_instance',
  'google_container_cluster',
  'google_compute_instance',
  'google_bigquery_table',
  'google_bigtable_instance',
  'google_spanner_database',
  'google_spanner_instance',
  'google_domain',
]);

/** Variables that carry IAM principals, by the modules' naming convention. */
function principalVariables(names: Iterable<string>): string[] {
  return [...names].filter((name) => name === 'iam' || name.endsWith('_members'));
}

describe('terraform-modules: every module', () => {
  it('INFRASTREAM_MODULE_SET: the hardened modules all exist', () => {
    expect(modules.map((module) => module.name)).toEqual(expect.arrayContaining(expectedModules));
  });

  it('INFRASTREAM_MODULE_LAYOUT: has versions.tf, main.tf, variables.tf, outputs.tf and README.md', () => {
    for (const module of modules) {
      expect(module.files, module.name).toEqual(
        expect.arrayContaining([
          'versions.tf',
          'main.tf',
          'variables.tf',
          'outputs.tf',
          'README.md',
        ]),
      );
    }
  });

  it('INFRASTREAM_PROVIDER_PINS: requires terraform >= 1.6 and hashicorp/google ~> 6.x, never google-beta', () => {
    for (const module of modules) {
      const [settings] = module.terraform;
      expect(settings?.required_version, module.name).toBe('>= 1.6');
      const providers = Object.assign(
        {},
        ...blocks(settings ?? {}, 'required_providers'),
      ) as Record<string, unknown>;
      const google = providers.google;
      expect(isBody(google) ? google.source : undefined, module.name).toBe('hashicorp/google');
      expect(isBody(google) ? google.version : undefined, module.name).toMatch(/^~> 6\.\d+$/);
      expect(Object.keys(providers), module.name).toEqual(['google']);
    }
    expect(allResources.filter((resource) => 'provider' in resource.body).map(label)).toEqual([]);
  });

  it('INFRASTREAM_README: documents usage, and every input and output in tables', () => {
    for (const module of modules) {
      expect(module.readme, module.name).toMatch(/## Usage\n\n```hcl\nmodule "/);
      expect(module.readme, module.name).toContain(`source = "./terraform-modules/${module.name}"`);
      for (const name of module.variables.keys()) {
        expect(module.readme, `${module.name} input ${name}`).toContain(`| \`${name}\` |`);
      }
      for (const name of module.outputs.keys()) {
        expect(module.readme, `${module.name} output ${name}`).toContain(`| \`${name}\` |`);
      }
    }
  });

  it('INFRASTREAM_TYPED_INPUTS: every variable has a type and a description, every output a description', () => {
    for (const module of modules) {
      for (const variable of module.variables.values()) {
        expect(isExpression(variable.body.type), `${module.name} var.${variable.name}`).toBe(true);
        expect(variable.body.description, `${module.name} var.${variable.name}`).toEqual(
          expect.any(String),
        );
      }
      for (const [name, output] of module.outputs) {
        expect(output.description, `${module.name} output ${name}`).toEqual(expect.any(String));
      }
    }
  });

  it('INFRASTREAM_NO_SECURITY_TOGGLES: no variable name offers a way to switch a safeguard off', () => {
    for (const module of modules) {
      const toggles = [...module.variables.keys()].filter((name) =>
        securityToggles.some((pattern) => pattern.test(name)),
      );
      expect(toggles, module.name).toEqual([]);
    }
  });

  it('INFRASTREAM_IAM_ADDITIVE: no resource or data source type ends with _iam_binding or _iam_policy', () => {
    const authoritative = [...allResources, ...allData].filter(
      (resource) =>
        resource.type.endsWith('_iam_binding') ||
        resource.type.endsWith('_iam_policy') ||
        resource.type === 'google_iam_policy',
    );
    expect(authoritative.map(label)).toEqual([]);
  });

  it('INFRASTREAM_IAM_MEMBER_ONLY: every IAM grant is a google_*_iam_member', () => {
    const grants = allResources.filter((resource) => resource.type.includes('_iam_'));
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) {
      expect(grant.type, label(grant)).toMatch(/^google_[a-z0-9_]+_iam_(member|audit_config)$/);
      if (grant.type.endsWith('_iam_member')) {
        expect(isExpression(grant.body.member) || typeof grant.body.member === 'string').toBe(true);
      }
    }
  });

  it('CKV_GCP_28 / CKV_GCP_99 / CKV_GCP_101 / CKV_GCP_102 / CKV_GCP_112: every principal input rejects allUsers and allAuthenticatedUsers', () => {
    const checked = modules.flatMap((module) =>
      principalVariables(module.variables.keys()).map((name) => {
        const conditions = validationText(module.variables.get(name));
        expect(conditions, `${module.name} var.${name}`).toContain('allUsers');
        expect(conditions, `${module.name} var.${name}`).toContain('allAuthenticatedUsers');
        return name;
      }),
    );
    expect(checked.length).toBeGreaterThanOrEqual(10);
  });

  it('INFRASTREAM_IAM_MEMBERS_VALIDATED: every *_iam_member grants a validated principal input or a Google service agent', () => {
    for (const module of modules) {
      for (const grant of module.resources.filter((resource) =>
        resource.type.endsWith('_iam_member'),
      )) {
        const member = grant.body.member ?? null;
        const sources = variableReferences(module, member);
        if (JSON.stringify(member).includes('each.')) {
          for (const name of variableReferences(module, grant.body.for_each)) sources.add(name);
        }
        const principals = principalVariables(sources);
        if (principals.length === 0) {
          // Not fed by an input: it must be a Google-managed service agent built from the project.
          const local = /^\$\{local\.([a-z_]+)\}$/.exec(typeof member === 'string' ? member : '');
          expect(local, label(grant)).not.toBeNull();
          expect(module.locals.get(local?.[1] ?? ''), label(grant)).toMatch(
            /^serviceAccount:service-\$\{data\.google_project\.[a-z_]+\.number\}@gcp-sa-[a-z-]+\.iam\.gserviceaccount\.com$/,
          );
        }
        for (const name of principals) {
          expect(validationText(module.variables.get(name)), label(grant)).toContain('allUsers');
        }
      }
    }
  });

  it('CKV_GCP_117 / CKV_GCP_41 / CKV_GCP_44 / CKV_GCP_49: project and folder role maps reject basic and impersonation roles', () => {
    for (const module of modules.filter((candidate) =>
      ['project', 'folder'].includes(candidate.name),
    )) {
      const conditions = validationText(module.variables.get('iam'));
      for (const role of [
        'roles/owner',
        'roles/editor',
        'roles/viewer',
        'roles/iam.serviceAccountUser',
        'roles/iam.serviceAccountTokenCreator',
      ]) {
        expect(conditions, `${module.name} rejects ${role}`).toContain(role);
      }
    }
  });

  it('INFRASTREAM_NO_SECRET_VALUES: no google_secret_manager_secret_version anywhere', () => {
    const versions = [...allResources, ...allData].filter((resource) =>
      /^google_secret_manager(_regional)?_secret_version/.test(resource.type),
    );
    expect(versions.map(label)).toEqual([]);
  });

  it('INFRASTREAM_NO_SERVICE_ACCOUNT_KEYS: no google_service_account_key anywhere', () => {
    expect(
      [...allResources, ...allData]
        .filter((resource) => resource.type === 'google_service_account_key')
        .map(label),
    ).toEqual([]);
  });

  it('INFRASTREAM_DELETION_PROTECTION: every resource that supports deletion_protection sets it to literal true', () => {
    const protectable = allResources.filter(
      (resource) =>
        deletionProtectionTypes.has(resource.type) || 'deletion_protection' in resource.body,
    );
    expect(protectable.length).toBeGreaterThanOrEqual(2);
    for (const resource of protectable) {
      expect(resource.body.deletion_protection, label(resource)).toBe(true);
    }
  });

  it('CKV_GCP_82 / INFRASTREAM_PREVENT_DESTROY: stateful resources without deletion_protection in provider 6.x have lifecycle.prevent_destroy = true', () => {
    const types = ['google_alloydb_cluster', 'google_kms_crypto_key', 'google_kms_key_ring'];
    const stateful = allResources.filter((resource) => types.includes(resource.type));
    expect(new Set(stateful.map((resource) => resource.type))).toEqual(new Set(types));
    for (const resource of stateful) {
      expect(blocks(resource.body, 'lifecycle')[0]?.prevent_destroy, label(resource)).toBe(true);
    }
  });
});
