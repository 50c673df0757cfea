// Facts about infra/, the Terraform that deploys Infrastream itself, as written: what may be
// public, who may do what, and that it deploys exactly the functions, topics and configuration
// the code has.
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { CLOUD_BUILDS_TOPIC } from '../../shared/core/contracts/build-notification.ts';
import { BUILDS_TOPIC } from '../../shared/core/contracts/build-request-message.ts';
import {
  DESIRED_STATE_TOPIC,
  MANIFESTS_TOPIC,
} from '../../shared/core/contracts/commit-message.ts';
import { parseConfiguration } from '../../shared/core/configuration/parse-configuration.ts';
import {
  SECRET_PLACEHOLDER_PREFIX,
  settingDefinitions,
  type Runtime,
  type SettingDefinition,
} from '../../shared/core/configuration/settings.ts';
import { PULL_REQUESTS_TOPIC } from '../../shared/core/contracts/pull-request-message.ts';
import { PUSH_TOPIC } from '../../shared/core/contracts/push-message.ts';
import { DRIFT_REQUESTED_TOPIC } from '../../shared/core/contracts/drift-request-message.ts';
import { blocks, isBody, text, type Body, type Json } from '../terraform-modules/load-modules.ts';
import { address, infraDir, loadRootModule, resource, strings, type Block } from './load-infra.ts';

const infra = await loadRootModule();
const everything: readonly Block[] = [...infra.resources, ...infra.data, ...infra.calls];
const repository = new URL('../../', import.meta.url);

async function source(path: string): Promise<string> {
  return readFile(new URL(path, repository), 'utf8');
}

function first(body: Body, ...keys: string[]): Body {
  let current = body;
  for (const key of keys) {
    const next = blocks(current, key)[0];
    if (next === undefined) throw new Error(`no ${key} block in ${JSON.stringify(current)}`);
    current = next;
  }
  return current;
}

interface Stage {
  readonly listens: string | null;
  readonly publishes: readonly string[];
  readonly secrets: readonly string[];
}

// local.stages is a literal: hcl2json hands it over as plain JSON.
const stages = infra.locals.get('stages') as unknown as Readonly<Record<string, Stage>>;

// Every function the code registers with the Functions Framework, by name.
const registered = await (async () => {
  const dir = new URL('functions/', repository);
  const names = new Set<string>();
  for (const file of (await readdir(dir)).filter((entry) => entry.endsWith('.ts'))) {
    const text = await readFile(new URL(file, dir), 'utf8');
    for (const match of text.matchAll(/\b(?:http|cloudEvent)\(\s*'([a-z-]+)'/g)) {
      if (match[1] !== undefined) names.add(match[1]);
    }
  }
  return names;
})();

describe('infra: what is public', () => {
  it('INFRASTREAM_INFRA_MEMBER_LEVEL: grants only with *_iam_member, never *_iam_binding or *_iam_policy', () => {
    const authoritative = everything
      .filter((block) => /_iam_(binding|policy)$/.test(block.type))
      .map(address);
    expect(authoritative).toEqual([]);
    expect(
      infra.resources.filter((block) => block.type.endsWith('_iam_member')).length,
    ).toBeGreaterThan(10);
  });

  it('INFRASTREAM_INFRA_NO_BASIC_ROLES: no owner, editor or viewer role, and every role is a literal', () => {
    const basic = everything.filter((block) =>
      strings(block.body).some((value) => /roles\/(owner|editor|viewer)\b/.test(value)),
    );
    expect(basic.map(address)).toEqual([]);
    const computedRoles = infra.resources
      .filter((block) => 'role' in block.body && !/^roles\/[a-zA-Z.]+$/.test(text(block.body.role)))
      .map(address);
    expect(computedRoles).toEqual([]);
  });

  it('INFRASTREAM_INFRA_ONE_PUBLIC_ENDPOINT: allUsers appears once, as invoker of the ingest function', () => {
    const withAllUsers = everything.filter((block) =>
      strings(block.body).some((value) => value.includes('allUsers')),
    );
    expect(withAllUsers.map(address)).toEqual([
      'google_cloud_run_v2_service_iam_member.ingest_public_invoker',
    ]);
    const grant = resource(
      infra,
      'google_cloud_run_v2_service_iam_member',
      'ingest_public_invoker',
    ).body;
    expect(grant).toMatchObject({
      member: 'allUsers',
      role: 'roles/run.invoker',
      name: '${google_cloudfunctions2_function.stage["ingest"].name}',
    });
    expect('for_each' in grant).toBe(false);
    const occurrences = [...infra.files.values()].join('\n').match(/allUsers/g) ?? [];
    expect(occurrences).toHaveLength(1);
    const anyAuthenticated = everything.filter((block) =>
      strings(block.body).some((value) => value.includes('allAuthenticatedUsers')),
    );
    expect(anyAuthenticated.map(address)).toEqual([]);
  });

  it('INFRASTREAM_INFRA_INTERNAL_STAGES: only ingest takes traffic from outside the project', () => {
    const service = first(
      resource(infra, 'google_cloudfunctions2_function', 'stage').body,
      'service_config',
    );
    expect(service.ingress_settings).toBe(
      '${each.key == "ingest" ? "ALLOW_ALL" : "ALLOW_INTERNAL_ONLY"}',
    );
    const invokers = resource(
      infra,
      'google_cloud_run_v2_service_iam_member',
      'stage_push_invoker',
    ).body;
    expect(invokers).toMatchObject({
      for_each: '${local.pubsub_stages}',
      member: '${module.identity["pubsub-push"].member}',
    });
    expect(infra.locals.get('pubsub_stages')).toContain('if stage.listens != null');
  });
});

describe('infra: identities', () => {
  it('INFRASTREAM_INFRA_FUNCTIONS: one function per registered function, entry point = its name, on nodejs22', () => {
    expect(Object.keys(stages).sort()).toEqual([...registered].sort());
    const fn = resource(infra, 'google_cloudfunctions2_function', 'stage').body;
    expect(fn.for_each).toBe('${local.stages}');
    expect(first(fn, 'build_config')).toMatchObject({
      runtime: 'nodejs22',
      entry_point: '${each.key}',
    });
    expect(first(fn, 'build_config', 'source', 'storage_source')).toEqual({
      bucket: '${var.source_bucket}',
      object: '${var.source_object}',
    });
  });

  it('INFRASTREAM_INFRA_OWN_SERVICE_ACCOUNT: every function runs as its own service account, and none has a key', () => {
    const fn = resource(infra, 'google_cloudfunctions2_function', 'stage').body;
    expect(first(fn, 'service_config').service_account_email).toBe(
      '${module.identity[each.key].email}',
    );
    const identity = infra.calls.find((call) => call.name === 'identity');
    expect(identity?.body).toMatchObject({
      source: '../terraform-modules/app-identity',
      for_each: '${local.identities}',
    });
    expect(text(infra.locals.get('identities'))).toContain('for name in keys(local.stages)');
    expect(text(identity?.body.account_id)).toBe('infrastream-${each.key}');
    expect(everything.filter((block) => block.type === 'google_service_account_key')).toEqual([]);
  });

  it('INFRASTREAM_INFRA_LEAST_PRIVILEGE: each stage publishes only to the topics its code publishes to', async () => {
    const constants: Record<string, string> = {
      PUSH_TOPIC,
      MANIFESTS_TOPIC,
      DESIRED_STATE_TOPIC,
      BUILDS_TOPIC,
      PULL_REQUESTS_TOPIC,
      DRIFT_REQUESTED_TOPIC,
    };
    const published = async (path: string) =>
      [...(await source(path)).matchAll(/publish\((\w+_TOPIC)/g)]
        .map((match) => constants[match[1] ?? ''])
        .filter((topic) => topic !== undefined);
    for (const name of Object.keys(stages)) {
      // Ingest admits pushes and pull requests, and requests the builds a check's Re-run asks for again.
      const paths =
        name === 'ingest'
          ? [
              'functions/push-admission.ts',
              'functions/pull-request-admission.ts',
              'shared/pipeline/retry-builds.ts',
            ]
          : name === 'build-status'
            ? // It reports a drift build to its sweep and asks the drift stage to carry it on.
              ['shared/pipeline/build-status-stage.ts', 'shared/pipeline/drift-build-report.ts']
            : [`shared/pipeline/${name}-stage.ts`];
      const topics = (await Promise.all(paths.map(published))).flat();
      expect([...new Set(topics)].sort(), name).toEqual(
        [...(stages[name]?.publishes ?? [])].sort(),
      );
    }
    const topic = infra.calls.find((call) => call.name === 'topic');
    expect(topic?.body.publisher_members).toContain('module.identity[name].member');
  });

  it('INFRASTREAM_INFRA_CLOUD_BUILD_ROLES: only builds may start Cloud Builds and act as the build service account, only drift as the read-only one', () => {
    const editor = resource(infra, 'google_project_iam_member', 'builds_cloud_build_editor').body;
    expect(editor).toMatchObject({
      role: 'roles/cloudbuild.builds.editor',
      member: '${module.identity["builds"].member}',
    });
    const actAs = resource(
      infra,
      'google_service_account_iam_member',
      'builds_act_as_cloud_build',
    ).body;
    expect(actAs).toMatchObject({
      role: 'roles/iam.serviceAccountUser',
      member: '${module.identity["builds"].member}',
      service_account_id: '${data.google_service_account.cloud_build.name}',
    });
    // The drift stage starts the refresh-only builds, as the read-only identity only.
    expect(
      resource(infra, 'google_project_iam_member', 'drift_cloud_build_editor').body,
    ).toMatchObject({
      role: 'roles/cloudbuild.builds.editor',
      member: '${module.identity["drift"].member}',
    });
    expect(
      resource(infra, 'google_service_account_iam_member', 'drift_act_as_drift_builds').body,
    ).toMatchObject({
      role: 'roles/iam.serviceAccountUser',
      member: '${module.identity["drift"].member}',
      service_account_id: '${data.google_service_account.drift.name}',
    });
    const grantsOf = (role: string) =>
      infra.resources.filter((block) => block.body.role === role).map(address);
    expect(grantsOf('roles/cloudbuild.builds.editor')).toHaveLength(2);
    expect(grantsOf('roles/iam.serviceAccountUser')).toHaveLength(2);
    expect(
      infra.resources
        .filter(
          (block) => block.type === 'google_project_iam_member' && !('condition' in block.body),
        )
        .map((block) => block.body.role),
    ).toEqual([
      'roles/cloudbuild.builds.editor',
      'roles/logging.logWriter',
      'roles/cloudbuild.builds.editor',
    ]);
  });

  it('INFRASTREAM_INFRA_FIRESTORE_ACCESS: Firestore access is limited to the pipeline database by a condition', () => {
    const grant = resource(infra, 'google_project_iam_member', 'firestore_user').body;
    expect(grant).toMatchObject({ for_each: '${local.stages}', role: 'roles/datastore.user' });
    expect(text(first(grant, 'condition').expression)).toContain('${local.firestore_resource}');
  });
});

describe('infra: topics, Firestore and secrets', () => {
  it('INFRASTREAM_INFRA_TOPICS: every contract topic feeds exactly one stage', () => {
    const listened = Object.values(stages).flatMap((stage) =>
      stage.listens === null ? [] : [stage.listens],
    );
    expect(listened.sort()).toEqual(
      [
        PUSH_TOPIC,
        MANIFESTS_TOPIC,
        DESIRED_STATE_TOPIC,
        BUILDS_TOPIC,
        CLOUD_BUILDS_TOPIC,
        PULL_REQUESTS_TOPIC,
        DRIFT_REQUESTED_TOPIC,
      ].sort(),
    );
    expect(stages['build-status']?.listens).toBe(CLOUD_BUILDS_TOPIC);
    // infra/bootstrap creates it before Cloud Build is enabled; infra/ reads it.
    expect(infra.data.find((block) => block.name === 'cloud_builds')?.body.name).toBe(
      CLOUD_BUILDS_TOPIC,
    );
    expect(infra.resources.filter((block) => block.body.name === CLOUD_BUILDS_TOPIC)).toEqual([]);
    const pipelineTopics = text(infra.locals.get('pipeline_topics'));
    for (const topic of [
      PUSH_TOPIC,
      MANIFESTS_TOPIC,
      DESIRED_STATE_TOPIC,
      BUILDS_TOPIC,
      PULL_REQUESTS_TOPIC,
      DRIFT_REQUESTED_TOPIC,
    ]) {
      expect(pipelineTopics).toContain(`"${topic}"`);
    }
  });

  it('INFRASTREAM_INFRA_DEAD_LETTERS: every topic a stage is pushed from has a dead-letter path', async () => {
    // The pipeline topics: the pubsub-topic module, whose push subscriptions always dead-letter.
    const topic = infra.calls.find((call) => call.name === 'topic');
    expect(topic?.body).toMatchObject({
      source: '../terraform-modules/pubsub-topic',
      for_each: '${local.pipeline_topics}',
    });
    const subscriptions = (topic?.body.push_subscriptions ?? []) as Body[];
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]?.max_delivery_attempts).toBe('${var.max_delivery_attempts}');
    const moduleMain: unknown = await parse(
      'main.tf',
      await source('terraform-modules/pubsub-topic/main.tf'),
    );
    const push = (moduleMain as { resource: Record<string, Record<string, Body[]>> }).resource
      .google_pubsub_subscription?.push?.[0];
    expect(push && first(push, 'dead_letter_policy').dead_letter_topic).toBe(
      '${google_pubsub_topic.dead_letter.id}',
    );

    // Every topic written out here: each non-dead-letter one has a subscription that dead-letters
    // to a dead-letter topic, which keeps what it receives in a subscription of its own.
    const topics = [...infra.resources, ...infra.data].filter(
      (block) => block.type === 'google_pubsub_topic',
    );
    const subs = infra.resources.filter((block) => block.type === 'google_pubsub_subscription');
    const deadLetterTopics = topics.filter((block) =>
      text(block.body.name).endsWith('-dead-letter'),
    );
    const reference = (block: Block) =>
      `\${${infra.data.includes(block) ? 'data.' : ''}google_pubsub_topic.${block.name}.id}`;
    for (const source of topics.filter((block) => !deadLetterTopics.includes(block))) {
      const fed = subs.filter((sub) => sub.body.topic === reference(source));
      expect(fed.length, address(source)).toBeGreaterThan(0);
      for (const sub of fed) {
        const policy = first(sub.body, 'dead_letter_policy');
        const target = deadLetterTopics.find(
          (block) => policy.dead_letter_topic === `\${google_pubsub_topic.${block.name}.id}`,
        );
        expect(target, address(sub)).toBeDefined();
        expect(policy.max_delivery_attempts).toBe('${var.max_delivery_attempts}');
        expect(first(sub.body, 'retry_policy')).toEqual({
          minimum_backoff: '10s',
          maximum_backoff: '600s',
        });
        const kept = subs.filter(
          (keeper) => keeper.body.topic === `\${google_pubsub_topic.${target?.name ?? ''}.id}`,
        );
        expect(kept.length, `${address(sub)}: dead letters kept`).toBe(1);
      }
    }
    expect(topics.length).toBeGreaterThan(0);
  });

  it('INFRASTREAM_INFRA_FIRESTORE: a native database with delete protection and point-in-time recovery', () => {
    expect(resource(infra, 'google_firestore_database', 'this').body).toMatchObject({
      type: 'FIRESTORE_NATIVE',
      delete_protection_state: 'DELETE_PROTECTION_ENABLED',
      point_in_time_recovery_enablement: 'POINT_IN_TIME_RECOVERY_ENABLED',
      deletion_policy: 'ABANDON',
    });
  });

  it('INFRASTREAM_INFRA_NO_SECRET_VALUES: no secret value anywhere, only placeholders the functions refuse', () => {
    const versions = everything.filter(
      (block) => block.type === 'google_secret_manager_secret_version',
    );
    expect(versions.map(address)).toEqual(['google_secret_manager_secret_version.placeholder']);
    const placeholder = text(versions[0]?.body.secret_data);
    expect(placeholder.startsWith(SECRET_PLACEHOLDER_PREFIX)).toBe(true);
    expect(strings(versions[0]?.body.lifecycle)).toEqual(['${secret_data}', '${enabled}']);
    for (const [file, source] of infra.files) {
      const values = source.match(/secret_data|secret_string/g) ?? [];
      expect(values, file).toHaveLength(file === 'secrets.tf' ? 2 : 0);
    }
    const secret = infra.calls.find((call) => call.name === 'secret');
    expect(secret?.body.source).toBe('../terraform-modules/secret');
  });

  it('INFRASTREAM_INFRA_SECRET_PLACEHOLDERS: the functions exist before the values, and refuse the placeholder by name', () => {
    const fn = resource(infra, 'google_cloudfunctions2_function', 'stage').body;
    expect(fn.depends_on).toContain('${google_secret_manager_secret_version.placeholder}');
    const placeholder = text(
      resource(infra, 'google_secret_manager_secret_version', 'placeholder').body.secret_data,
    );
    const variables = infra.locals.get('secrets') as Record<string, { variable: string }>;
    for (const [runtime, variable] of [
      ['ingest', variables['webhook']?.variable],
      ['stages', variables['github']?.variable],
    ] as const) {
      const { errors } = parseConfiguration({ [variable ?? '']: placeholder }, runtime);
      expect(
        errors.filter((error) => error.variable === variable).map((error) => error.message),
      ).toEqual([
        `${variable}: expected the secret's real value, not the placeholder version infra/ created: add the value as a new version (docs/deploy.md), found a value that is not shown, being secret`,
      ]);
    }
  });

  it('INFRASTREAM_INFRA_SECRETS_MOUNTED: ingest reads the webhook secrets, the other stages the App key', () => {
    const mounted = (name: string) => (name === 'ingest' ? ['webhook'] : ['github']);
    expect(Object.entries(stages).map(([name, stage]) => [name, stage.secrets])).toEqual(
      Object.keys(stages).map((name) => [name, mounted(name)]),
    );
    const mounts = first(
      resource(infra, 'google_cloudfunctions2_function', 'stage').body,
      'service_config',
    );
    const dynamic = mounts.dynamic as Json;
    expect(isBody(dynamic) && blocks(dynamic, 'secret_environment_variables')[0]?.for_each).toBe(
      '${toset(each.value.secrets)}',
    );
    expect(infra.locals.get('secrets')).toMatchObject({
      webhook: { variable: 'INFRASTREAM_WEBHOOK_SECRETS' },
      github: { variable: 'INFRASTREAM_GITHUB_PRIVATE_KEY' },
    });
    const secret = infra.calls.find((call) => call.name === 'secret');
    expect(text(secret?.body.accessor_members)).toContain('if contains(stage.secrets, each.key)');
  });
});

describe('infra: configuration', () => {
  const setByInfra = (local: string) => {
    const value = infra.locals.get(local);
    return new Set(
      isBody(value)
        ? Object.keys(value)
        : [...text(value).matchAll(/\b(INFRASTREAM_[A-Z_]+)\s*=/g)].map((m) => m[1] ?? ''),
    );
  };

  it('INFRASTREAM_INFRA_ENVIRONMENT: sets exactly variables the functions read, and every one they require', () => {
    const definitions = Object.values(settingDefinitions) as SettingDefinition<unknown>[];
    const variables = (runtime: Runtime, of: 'usedBy' | 'requiredBy') =>
      definitions.filter((setting) => setting[of].includes(runtime)).map((s) => s.variable);
    const common = setByInfra('common_environment');
    const cloudBuild = setByInfra('cloud_build_environment');
    const pipeline = setByInfra('pipeline_environment');
    const secrets = infra.locals.get('secrets') as Record<string, { variable: string }>;
    const set: Record<'ingest' | 'stages', Set<string>> = {
      ingest: new Set([...common, secrets['webhook']?.variable ?? '']),
      stages: new Set([...common, ...cloudBuild, ...pipeline, secrets['github']?.variable ?? '']),
    };
    // Which function gets which: ingest its own, every other stage the pipeline's.
    const environment = text(infra.locals.get('function_environment'));
    expect(environment).toContain('name == "ingest" ? tomap(local.common_environment)');
    expect(text(infra.locals.get('pipeline_environment'))).toContain(
      'local.cloud_build_environment',
    );
    for (const runtime of ['ingest', 'stages'] as const) {
      const read = variables(runtime, 'usedBy');
      expect([...set[runtime]].filter((name) => !read.includes(name))).toEqual([]);
      expect(variables(runtime, 'requiredBy').filter((name) => !set[runtime].has(name))).toEqual(
        [],
      );
      expect([...set[runtime]].filter((name) => /EMULATOR/.test(name))).toEqual([]);
    }
    expect(common.has('INFRASTREAM_PROJECT')).toBe(true);
  });

  it('INFRASTREAM_INFRA_REPOSITORY: every function is bound to one repository, named with its GitHub id', () => {
    const common = infra.locals.get('common_environment') as Readonly<Record<string, string>>;
    expect(common['INFRASTREAM_REPOSITORY']).toBe('${var.repository}');
    const variable = infra.variables.get('repository');
    expect([variable?.nullable, variable?.default]).toEqual([false, undefined]);
    // The validation's own regular expression, as Terraform would apply it.
    const validation = (variable?.validation ?? []) as readonly Body[];
    const [, pattern = ''] =
      /regex\("(.*)", var\.repository\)/.exec(text(validation[0]?.condition)) ?? [];
    const valid = (value: string) => new RegExp(pattern).test(value);
    expect(['acme/platform#123456789', 'Acme-Corp/.github#1'].map(valid)).toEqual([true, true]);
    expect(['acme/platform', 'acme/platform#0', 'acme#42', '/platform#42'].map(valid)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('INFRASTREAM_INFRA_LAYOUT: versions, validated inputs, the webhook URL and a README that lists them', () => {
    expect([...infra.files.keys()]).toEqual(
      expect.arrayContaining(['versions.tf', 'variables.tf', 'outputs.tf', 'main.tf']),
    );
    expect(infra.terraform[0]?.required_version).toBe('>= 1.6');
    for (const [name, variable] of infra.variables) {
      expect(typeof variable.description, name).toBe('string');
      expect(
        variable.nullable === false || variable.default === null,
        `${name}: nullable = false`,
      ).toBe(true);
      expect(infra.readme, name).toContain(`\`${name}\``);
    }
    expect(JSON.stringify(infra.variables.get('builder_image')?.validation)).toContain(
      '@sha256:[0-9a-f]{64}$',
    );
    // The builder image carries terraform and its providers: no second image to pin.
    expect(infra.variables.has('terraform_image')).toBe(false);
    expect(infra.outputs.get('webhook_url')?.value).toBe(
      '${google_cloudfunctions2_function.stage["ingest"].service_config[0].uri}',
    );
    for (const name of infra.outputs.keys()) expect(infra.readme, name).toContain(`\`${name}\``);
    expect(infra.readme).toMatch(/allUsers/);
  });
});

describe('infra: formatting', () => {
  const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  const missing = terraform.error !== undefined || terraform.status !== 0;

  it('INFRASTREAM_INFRA_FMT: terraform fmt -check -recursive infra reports nothing', (context) => {
    context.skip(missing, 'terraform is not on PATH: cannot run terraform fmt -check');
    const result = spawnSync('terraform', ['fmt', '-check', '-recursive', '-list=true', infraDir], {
      encoding: 'utf8',
    });
    expect(result.error).toBeUndefined();
    expect({ status: result.status, unformatted: result.stdout.trim() }).toEqual({
      status: 0,
      unformatted: '',
    });
  });
});
