// Hardening facts of the resource-hierarchy and workload modules: folder, project, app-identity and
// cloud-run-service.
import { describe, expect, it } from 'vitest';
import {
  blocks,
  dynamicBlocks,
  isBody,
  label,
  loadModules,
  moduleNamed,
  path,
  resourcesOfType,
  text,
  validationText,
  type Json,
} from './load-modules.ts';

const modules = await loadModules();
const projects = resourcesOfType(modules, 'google_project');
const services = resourcesOfType(modules, 'google_cloud_run_v2_service');

describe('terraform-modules: project and folder', () => {
  it('CKV_GCP_27: projects are created without the default network', () => {
    expect(projects.length).toBeGreaterThan(0);
    for (const project of projects) {
      expect(project.body.auto_create_network, label(project)).toBe(false);
    }
  });

  it('INFRASTREAM_PROJECT_DELETION_POLICY: deletion_policy = "PREVENT"', () => {
    for (const project of projects) {
      expect(project.body.deletion_policy, label(project)).toBe('PREVENT');
    }
  });

  it('INFRASTREAM_DEFAULT_SERVICE_ACCOUNTS_DISABLED: the default service accounts are disabled, and stay so if the resource goes', () => {
    const defaults = resourcesOfType(modules, 'google_project_default_service_accounts');
    expect(
      defaults.map((resource) => [resource.body.action, resource.body.restore_policy]),
    ).toEqual([['DISABLE', 'NONE']]);
  });

  it('CKV2_GCP_5: audit logging covers allServices with ADMIN_READ, DATA_READ and DATA_WRITE, exempting nobody', () => {
    const audits = resourcesOfType(modules, 'google_project_iam_audit_config');
    expect(audits).toHaveLength(1);
    for (const audit of audits) {
      expect(audit.body.service).toBe('allServices');
      const configs = blocks(audit.body, 'audit_log_config');
      expect(configs.map((config) => config.log_type).sort()).toEqual([
        'ADMIN_READ',
        'DATA_READ',
        'DATA_WRITE',
      ]);
      for (const config of configs) expect(config.exempted_members).toBeUndefined();
    }
  });

  it('INFRASTREAM_API_KEEP_ON_DESTROY: google_project_service never disables an API on destroy', () => {
    const apis = resourcesOfType(modules, 'google_project_service');
    expect(apis.length).toBeGreaterThan(0);
    for (const api of apis) {
      expect(api.body.disable_on_destroy, label(api)).toBe(false);
    }
  });

  it('INFRASTREAM_SHARED_VPC_SERVICE: projects attach to the Shared VPC host as service projects', () => {
    const attachments = resourcesOfType(modules, 'google_compute_shared_vpc_service_project');
    expect(attachments.map((attachment) => attachment.body.host_project)).toEqual([
      '${var.shared_vpc_host_project_id}',
    ]);
  });

  it('INFRASTREAM_FOLDER_DELETION_PROTECTION: folders have deletion_protection = true', () => {
    const folders = resourcesOfType(modules, 'google_folder');
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) {
      expect(folder.body.deletion_protection, label(folder)).toBe(true);
    }
  });
});

describe('terraform-modules: app-identity', () => {
  it('INFRASTREAM_IDENTITY_ONLY: app-identity creates service accounts and nothing else (no keys, no roles)', () => {
    const identity = moduleNamed(modules, 'app-identity');
    expect(new Set(identity.resources.map((resource) => resource.type))).toEqual(
      new Set(['google_service_account']),
    );
    expect(identity.outputs.has('email')).toBe(true);
  });
});

describe('terraform-modules: cloud-run-service', () => {
  const cloudRun = moduleNamed(modules, 'cloud-run-service');

  it('has services to check', () => {
    expect(services.length).toBeGreaterThan(0);
  });

  it('INFRASTREAM_CLOUD_RUN_INTERNAL_LB_INGRESS: ingress is the internal-and-load-balancer literal, whatever the inputs', () => {
    // No Checkov rule covers Cloud Run ingress (CKV_GCP_102 is about invoker grants). With the
    // invoker check disabled for a public route, this literal is what keeps the run.app URL
    // closed to the internet, so it is never an expression.
    for (const service of services) {
      expect(service.body.ingress, label(service)).toBe('INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER');
    }
  });

  it('INFRASTREAM_CLOUD_RUN_INVOKER_CHECK: invoker_iam_disabled is only ever var.public_through_load_balancer, a bool that defaults to false', () => {
    // Anywhere in any module, nested blocks included: a literal true would open a service to
    // every caller its ingress admits, and so would the equivalent annotation.
    const settings: string[] = [];
    const annotations: string[] = [];
    const walk = (where: string, value: Json): void => {
      if (Array.isArray(value)) {
        for (const item of value) walk(where, item);
      } else if (isBody(value)) {
        for (const [key, item] of Object.entries(value)) {
          if (key === 'invoker_iam_disabled') settings.push(`${where} = ${text(item)}`);
          walk(where, key);
          walk(where, item);
        }
      } else if (typeof value === 'string' && value.includes('invoker-iam-disabled')) {
        annotations.push(`${where}: ${value}`);
      }
    };
    for (const module of modules) {
      for (const holder of [...module.resources, ...module.data, ...module.calls]) {
        walk(label(holder), holder.body);
      }
      for (const [name, value] of module.locals) walk(`${module.name}: local.${name}`, value);
    }
    expect(settings).toEqual(
      services.map((service) => `${label(service)} = \${var.public_through_load_balancer}`),
    );
    expect(annotations).toEqual([]);

    const variable = cloudRun.variables.get('public_through_load_balancer');
    expect(variable?.body.type).toBe('${bool}');
    expect(variable?.body.default).toBe(false);
    expect(variable?.body.nullable).toBe(false);
    // The flag drives the invoker check and nothing else (never ingress, never a grant).
    const uses = [...cloudRun.resources, ...cloudRun.data, ...cloudRun.calls]
      .map((resource) => JSON.stringify(resource.body))
      .concat(
        [...cloudRun.locals.values(), ...cloudRun.outputs.values()].map((value) =>
          JSON.stringify(value),
        ),
      )
      .join('\n')
      .match(/\bvar\.public_through_load_balancer\b/g);
    expect(uses).toEqual(['var.public_through_load_balancer']);
  });

  it('INFRASTREAM_CLOUD_RUN_BINARY_AUTHORIZATION: binary_authorization { use_default = true }', () => {
    for (const service of services) {
      expect(blocks(service.body, 'binary_authorization'), label(service)).toEqual([
        { use_default: true },
      ]);
    }
  });

  it('INFRASTREAM_CLOUD_RUN_VPC_EGRESS: all egress goes through the VPC (Direct VPC egress)', () => {
    for (const service of services) {
      const access = path(service.body, 'template', 'vpc_access');
      expect(access?.egress, label(service)).toBe('ALL_TRAFFIC');
      expect(blocks(access ?? {}, 'network_interfaces')).toHaveLength(1);
    }
  });

  it('INFRASTREAM_CLOUD_RUN_OWN_IDENTITY: the service runs as the user-managed service account given as input', () => {
    for (const service of services) {
      expect(path(service.body, 'template')?.service_account, label(service)).toBe(
        '${var.service_account_email}',
      );
    }
    expect(validationText(cloudRun.variables.get('service_account_email'))).toMatch(
      /iam\\+\.gserviceaccount\\+\.com\$/,
    );
  });

  it('INFRASTREAM_CLOUD_RUN_SECRETS_BY_REFERENCE: secrets only arrive as value_source.secret_key_ref', () => {
    for (const service of services) {
      const envs = dynamicBlocks(path(service.body, 'template', 'containers') ?? {}, 'env');
      const secretEnvs = envs.filter((env) => 'value_source' in env);
      expect(secretEnvs.length, label(service)).toBeGreaterThan(0);
      for (const env of secretEnvs) {
        expect(env.value, label(service)).toBeUndefined();
        expect(path(env, 'value_source', 'secret_key_ref')?.secret).toBe('${env.value}');
      }
    }
    expect(validationText(cloudRun.variables.get('env'))).toMatch(/password.*secret.*token/);
  });

  it('INFRASTREAM_CLOUD_RUN_PINNED_IMAGE: images are pinned by digest', () => {
    expect(validationText(cloudRun.variables.get('image'))).toContain('@sha256:[a-f0-9]{64}$');
  });

  it('CKV_GCP_102: invokers are granted member-level, never to the public', () => {
    const grants = resourcesOfType(modules, 'google_cloud_run_v2_service_iam_member');
    expect(grants.map((grant) => grant.body.role)).toEqual(['roles/run.invoker']);
    expect(validationText(cloudRun.variables.get('invoker_members'))).toContain('allUsers');
  });
});
