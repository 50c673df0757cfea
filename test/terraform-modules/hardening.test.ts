// Hardening facts that hold across every module under terraform-modules/.
import { describe, expect, it } from 'vitest';
import {
  blocks,
  isBody,
  isExpression,
  label,
  loadModules,
  references,
  text,
  validationText,
  variableReferences,
  type Json,
  type Module,
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

// Inputs that match a toggle pattern but are bounded by a hardening check of their own, by module.
// public_through_load_balancer only disables the invoker IAM check, under a load-balancer-only
// ingress literal (INFRASTREAM_CLOUD_RUN_INVOKER_CHECK in hardening-workloads.test.ts).
const boundedToggles: Readonly<Record<string, readonly string[]>> = {
  'cloud-run-service': ['public_through_load_balancer'],
};

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

/**
 * Variables whose entries become `for_each` instances and whose values are often unknown until
 * apply (members and emails of identities created in the same run): the caller keys them.
 */
function keyedInputs(names: Iterable<string>): string[] {
  return [...names].filter(
    (name) => principalVariables([name]).length > 0 || name.endsWith('_users'),
  );
}

/** The text of an expression and of every local it depends on, transitively. */
function expressionChain(module: Pick<Module, 'locals'>, value: Json | undefined): string[] {
  const texts = [text(value)];
  const pending = references(value, 'local');
  const seen = new Set<string>();
  for (let local = pending.pop(); local !== undefined; local = pending.pop()) {
    if (seen.has(local)) continue;
    seen.add(local);
    const definition = module.locals.get(local);
    texts.push(text(definition));
    pending.push(...references(definition, 'local'));
  }
  return texts;
}

/** The argument text of every `name(...)` call in an expression, parentheses balanced. */
function callArguments(expression: string, name: string): string[] {
  const found: string[] = [];
  for (const match of expression.matchAll(new RegExp(`\\b${name}\\(`, 'g'))) {
    const start = match.index + match[0].length;
    let depth = 1;
    let end = start;
    for (; end < expression.length && depth > 0; end++) {
      if (expression[end] === '(') depth++;
      if (expression[end] === ')') depth--;
    }
    found.push(expression.slice(start, end - 1));
  }
  return found;
}

/** `{ for <header> : <key> => ... }` of an expression, as header and key texts. */
function forKeys(expression: string): { header: string; key: string }[] {
  return [...expression.matchAll(/\{\s*for\s+([^:]*?)\s*:\s*([\s\S]*?)\s*=>/g)].map((match) => ({
    header: match[1] ?? '',
    key: match[2] ?? '',
  }));
}

/**
 * Reasons a `for_each` could get keys that are unknown at plan time when a caller passes members
 * computed during apply: a set of members (`toset`), a key built from a member, or a keyed input
 * used other than through its caller-chosen keys.
 */
function unknownKeyRisks(module: Pick<Module, 'locals'>, forEach: Json | undefined): string[] {
  const risks: string[] = [];
  for (const expression of expressionChain(module, forEach)) {
    for (const argument of callArguments(expression, 'toset')) {
      for (const name of keyedInputs(references(argument, 'var'))) {
        risks.push(`toset() of var.${name}`);
      }
      if (/member|user|email|service_account/i.test(argument)) {
        risks.push(`toset() of members: ${argument}`);
      }
    }
    for (const match of expression.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const name = match[1] ?? '';
      if (keyedInputs([name]).length === 0) continue;
      const before = expression.slice(0, match.index);
      const after = expression.slice(match.index + match[0].length);
      // for_each = var.x iterates the caller's keys; keys(var.x) is those keys; var.x[k] is a value.
      if (expression === `\${var.${name}}`) continue;
      if (/\bkeys\(\s*$/.test(before) || after.startsWith('[')) continue;
      // for key, value in var.x: the keys stay the caller's if the key expression ignores value.
      if (/\bfor\s+[A-Za-z_]\w*\s*,\s*[A-Za-z_]\w*\s+in\s+$/.test(before)) continue;
      risks.push(`var.${name} used other than by key: ${expression}`);
    }
    for (const { header, key } of forKeys(expression)) {
      if (/member|user|email|service_account|each\.value/i.test(key)) {
        risks.push(`key built from a member: ${key}`);
      }
      const pair = /^([A-Za-z_]\w*)\s*,\s*([A-Za-z_]\w*)\s+in\s+var\.([A-Za-z_]\w*)$/.exec(header);
      if (pair && keyedInputs([pair[3] ?? '']).length > 0) {
        if (new RegExp(`\\b${pair[2] ?? ''}\\b`).test(key)) {
          risks.push(`key built from a value of var.${pair[3] ?? ''}: ${key}`);
        }
      }
    }
  }
  return risks;
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
      const toggles = [...module.variables.keys()].filter(
        (name) =>
          securityToggles.some((pattern) => pattern.test(name)) &&
          !(boundedToggles[module.name] ?? []).includes(name),
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
        // The members are the map's values; its keys are the caller's.
        expect(conditions, `${module.name} var.${name}`).toContain(`values(var.${name})`);
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

  it('INFRASTREAM_KEYED_INPUTS: member, user and iam inputs are maps keyed by the caller, keys of 1-100 characters', () => {
    const checked = modules.flatMap((module) =>
      keyedInputs(module.variables.keys()).map((name) => {
        const variable = module.variables.get(name);
        const where = `${module.name} var.${name}`;
        expect(text(variable?.body.type).replace(/\s+/g, ' '), where).toBe(
          name === 'iam' ? '${map(object({ role = string member = string }))}' : '${map(string)}',
        );
        expect(variable?.body.default, where).toEqual({});
        expect(variable?.body.nullable, where).toBe(false);
        expect(validationText(variable), where).toContain(
          `for key in keys(var.${name}) : length(key) > 0 && length(key) <= 100`,
        );
        return `${module.name}.${name}`;
      }),
    );
    expect(checked).toEqual(
      expect.arrayContaining([
        'alloydb.iam_users',
        'artifact-registry.reader_members',
        'artifact-registry.writer_members',
        'bucket.iam',
        'cloud-run-service.invoker_members',
        'folder.iam',
        'kms-key.encrypter_decrypter_members',
        'project.iam',
        'public-ingress.iap_members',
        'pubsub-topic.publisher_members',
        'secret.accessor_members',
      ]),
    );
    // Resources iterating a keyed input take the member (or role and member) from the value.
    for (const module of modules) {
      for (const resource of module.resources) {
        const name = /^\$\{var\.([a-z_]+)\}$/.exec(text(resource.body.for_each))?.[1] ?? '';
        if (keyedInputs([name]).length === 0) continue;
        if (name === 'iam') {
          expect(resource.body.role, label(resource)).toBe('${each.value.role}');
          expect(resource.body.member, label(resource)).toBe('${each.value.member}');
        } else if (name.endsWith('_members')) {
          expect(resource.body.member, label(resource)).toBe('${each.value}');
        } else {
          expect(JSON.stringify(resource.body), label(resource)).toContain('each.value');
        }
      }
    }
  });

  it('INFRASTREAM_STATIC_FOR_EACH_KEYS: no for_each is a set of members or keyed on a member value', () => {
    const iterating = modules.flatMap((module) =>
      [...module.resources, ...module.data, ...module.calls]
        .filter((holder) => holder.body.for_each !== undefined)
        .map((holder) => ({ module, holder })),
    );
    expect(iterating.length).toBeGreaterThan(0);
    let fedByKeyedInputs = 0;
    for (const { module, holder } of iterating) {
      const forEach = holder.body.for_each;
      expect(text(forEach), label(holder)).not.toMatch(
        /toset\(\s*var\.([A-Za-z0-9_]+_(members|users)|iam)\b/,
      );
      expect(unknownKeyRisks(module, forEach), label(holder)).toEqual([]);
      if (keyedInputs(variableReferences(module, forEach)).length > 0) fedByKeyedInputs++;
    }
    expect(fedByKeyedInputs).toBeGreaterThanOrEqual(11);
  });

  it('INFRASTREAM_STATIC_FOR_EACH_KEYS: the check catches member-keyed shapes', () => {
    const fixture = {
      locals: new Map<string, Json>([
        [
          'iam_bindings',
          '${{ for binding in flatten([ for role, members in var.iam : [ for member in members : { role = role, member = member } ] ]) : "${binding.role} ${binding.member}" => binding }}',
        ],
        [
          'iap_bindings',
          '${{ for pair in setproduct(local.internal_backends, var.iap_members) : "${pair[0]} ${pair[1]}" => { backend = pair[0], member = pair[1] } }}',
        ],
        [
          'iap_bindings_by_key',
          '${{ for pair in setproduct(local.internal_backends, keys(var.iap_members)) : "${pair[0]} ${pair[1]}" => { backend = pair[0], member = var.iap_members[pair[1]] } }}',
        ],
        [
          'internal_backends',
          '${sort([for key, backend in var.backends : key if backend.audience == "INTERNAL"])}',
        ],
      ]),
    };
    for (const risky of [
      '${toset(var.reader_members)}',
      '${toset(var.iam_users)}',
      '${toset(values(var.accessor_members))}',
      '${local.iam_bindings}',
      '${local.iap_bindings}',
      '${{ for key, member in var.writer_members : member => key }}',
      '${{ for member in values(var.writer_members) : member => member }}',
      '${toset([local.pubsub_service_agent_member])}',
    ]) {
      expect(unknownKeyRisks(fixture, risky), risky).not.toEqual([]);
    }
    for (const safe of [
      '${var.reader_members}',
      '${var.iam}',
      '${local.iap_bindings_by_key}',
      '${{ for key, member in var.writer_members : key => member }}',
      '${{ for sub in var.push_subscriptions : sub.name => sub }}',
      '${toset(var.activate_apis)}',
    ]) {
      expect(unknownKeyRisks(fixture, safe), safe).toEqual([]);
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
      expect(conditions, module.name).toContain('[for binding in values(var.iam) : binding.role]');
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
