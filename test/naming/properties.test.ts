import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import {
  BASELINE_FIREWALL_RULES,
  FOLDER_DISPLAY_NAME,
} from '../../shared/core/naming/cloud-names.ts';
import { listGeneratedNames } from '../../shared/core/naming/generated-names.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import {
  adversarialOrganizationArbitrary,
  type ExpectedWorkspace,
} from '../support/arbitraries/index.ts';

/**
 * Naming, by property, over organizations whose names are chosen to make identifiers
 * meet: whatever validates renders, every declaration gets identifiers of its own, each
 * a name Google Cloud accepts, and the naming check lists every identifier rendered.
 */
const runs = 80;

/** Where declarations can make names meet: only there may the check refuse a repository. */
const INHERENT =
  /^(?:model address in|folder display name under|Pub\/Sub (?:topic|subscription) name in) /;
const timeout = 120_000;

/** One identifier found in a rendered workspace, in the listing's words. */
interface Found {
  readonly namespace: string;
  readonly name: string;
}

type Call = Record<string, unknown>;
interface Root {
  readonly provider: { google: { default_labels: { workspace: string } } };
  readonly module: Record<string, Call>;
  readonly data?: Record<string, Record<string, Call>>;
  readonly resource?: Record<string, Record<string, Call>>;
  readonly output?: { folders?: { value: Record<string, string> } };
}

const keysOf = (value: unknown) => Object.keys(value ?? {});

/** The model address a folder module's label stands for: labels give back their names. */
function folderOf(label: string): string {
  const names = label.slice('folder_'.length).split('-');
  return ['folder', ...names.map((name) => name.replaceAll('_', '-'))].join('.');
}

/** Every identifier of a rendered workspace that names something, as the listing names it. */
function identifiersOf(id: string, root: Root): Found[] {
  const found: Found[] = [];
  const add = (namespace: string, name: unknown) => {
    found.push({ namespace, name: String(name) });
  };
  add('workspace label value', root.provider.google.default_labels.workspace);
  for (const label of Object.keys(root.module)) add(`Terraform module label in ${id}`, label);
  for (const [type, blocks] of Object.entries(root.data ?? {}))
    for (const label of Object.keys(blocks)) add(`Terraform data ${type} label in ${id}`, label);
  for (const [type, blocks] of Object.entries(root.resource ?? {})) {
    for (const [label, block] of Object.entries(blocks)) {
      add(`Terraform resource ${type} label in ${id}`, label);
      if (type === 'google_network_security_gateway_security_policy_rule')
        add('egress proxy rule name', block['name']);
    }
  }
  for (const key of keysOf(root.output?.folders?.value)) add(`key of output folders in ${id}`, key);

  for (const [label, call] of Object.entries(root.module)) {
    const keys = (input: string) => {
      for (const key of keysOf(call[input]))
        add(`key of ${input} of module ${label} in ${id}`, key);
    };
    switch (String(call['source']).split('/').at(-1)) {
      case 'folder': {
        const parent = String(call['parent']);
        // A unit's folder is in the configuration's parent folder, an environment's in its unit's.
        const under = parent.startsWith('${')
          ? folderOf(/module\.([^.]+)\./.exec(parent)?.[1] ?? '')
          : 'the parent folder';
        add(`folder display name under ${under}`, call['display_name']);
        keys('iam');
        break;
      }
      case 'artifact-registry':
        add('Artifact Registry repository id in the hub project', call['repository_id']);
        keys('reader_members');
        keys('writer_members');
        break;
      case 'project':
        add('project id', String(call['project_id']).slice(-8));
        keys('iam');
        break;
      case 'project-firewall': {
        const rules = (call['allow_rules'] as { name: string }[]).map((rule) => rule.name);
        for (const rule of [...BASELINE_FIREWALL_RULES, ...rules])
          add('firewall rule name in the hub network', `${String(call['name_prefix'])}-${rule}`);
        break;
      }
      case 'app-identity':
        add(`service account id in ${id}`, call['account_id']);
        break;
      case 'cloud-run-service':
        add(`Cloud Run service name in ${id}`, call['name']);
        keys('invoker_members');
        break;
      case 'secret':
        add(`secret id in ${id}`, call['secret_id']);
        keys('accessor_members');
        break;
      case 'pubsub-topic': {
        const topic = String(call['name']);
        add(`Pub/Sub topic name in ${id}`, topic);
        // The module names the dead-letter topic and its subscription after the topic.
        add(`Pub/Sub topic name in ${id}`, `${topic}-dead-letter`);
        add(`Pub/Sub subscription name in ${id}`, `${topic}-dead-letter`);
        for (const subscription of call['push_subscriptions'] as { name: string }[])
          add(`Pub/Sub subscription name in ${id}`, subscription.name);
        keys('publisher_members');
        break;
      }
      case 'alloydb':
        add(`AlloyDB cluster id in ${id}`, call['cluster_id']);
        keys('iam_users');
        break;
      case 'bucket':
        add('bucket name', String(call['name']).slice(-8));
        keys('iam');
        break;
      default:
        // The network hub names nothing of a manifest's; the public ingress names its own.
        break;
    }
  }
  return found;
}

/** The full names Google Cloud must accept, by what they are. */
const VALID: readonly [string, RegExp][] = [
  ['project_id', /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/],
  ['account_id', /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/],
  ['cloud-run-service name', /^[a-z](?:[a-z0-9-]{0,47}[a-z0-9])?$/],
  ['secret_id', /^[A-Za-z0-9_-]{1,255}$/],
  ['pubsub name', /^(?!goog)[A-Za-z][-A-Za-z0-9_.~+%]{2,254}$/],
  ['bucket name', /^(?!goog)(?!.*g[o0]{2}g[l1]e)[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$/],
  ['firewall rule', /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/],
  ['egress rule', /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/],
  ['cluster_id', /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/],
  ['folder display_name', FOLDER_DISPLAY_NAME],
  ['label value', /^[a-z0-9_-]{0,63}$/],
];

/** Every full name of a rendered workspace, by the kind of name it must be. */
function fullNamesOf(root: Root): [string, string][] {
  const names: [string, string][] = [
    ['label value', root.provider.google.default_labels.workspace],
  ];
  for (const block of Object.values(
    root.resource?.['google_network_security_gateway_security_policy_rule'] ?? {},
  ))
    names.push(['egress rule', String(block['name'])]);
  for (const call of Object.values(root.module)) {
    const value = (input: string) => String(call[input]);
    switch (String(call['source']).split('/').at(-1)) {
      case 'project':
        names.push(['project_id', value('project_id')]);
        break;
      case 'folder':
        names.push(['folder display_name', value('display_name')]);
        break;
      case 'app-identity':
        names.push(['account_id', value('account_id')]);
        break;
      case 'cloud-run-service':
        names.push(['cloud-run-service name', value('name')]);
        break;
      case 'secret':
        names.push(['secret_id', value('secret_id')]);
        break;
      case 'pubsub-topic':
        names.push(['pubsub name', `${value('name')}-dead-letter`]);
        names.push(['pubsub name', value('name')]);
        for (const subscription of call['push_subscriptions'] as { name: string }[])
          names.push(['pubsub name', subscription.name]);
        break;
      case 'alloydb':
        names.push(['cluster_id', value('cluster_id')]);
        break;
      case 'bucket':
        names.push(['bucket name', value('name')]);
        break;
      case 'project-firewall':
        for (const rule of [
          ...BASELINE_FIREWALL_RULES,
          ...(call['allow_rules'] as { name: string }[]).map((entry) => entry.name),
        ])
          names.push(['firewall rule', `${value('name_prefix')}-${rule}`]);
        break;
      default:
        break;
    }
  }
  return names;
}

/** How many module calls of each kind a workspace has. */
function counted(root: Root): ExpectedWorkspace {
  const sources = Object.values(root.module).map((call) =>
    String(call['source']).split('/').at(-1),
  );
  const count = (module: string) => sources.filter((source) => source === module).length;
  return {
    identities: count('app-identity'),
    services: count('cloud-run-service'),
    secrets: count('secret'),
    topics: count('pubsub-topic'),
    buckets: count('bucket'),
    databases: count('alloydb'),
    folders: count('folder'),
  };
}

describe('naming, by property', () => {
  it(
    'renders what validates, with identifiers of its own for every declaration, all listed',
    () => {
      fc.assert(
        fc.property(adversarialOrganizationArbitrary, (org) => {
          const analysis = analyzeRepository(org.files);
          const errors = analysis.issues.filter((issue) => issue.severity === 'error');
          // The generator declares nothing invalid but what naming may refuse.
          expect(errors.filter((issue) => !issue.rule.startsWith('naming/'))).toEqual([]);
          for (const issue of errors.filter((error) => error.rule === 'naming/collision'))
            expect(issue.related?.length).toBe(1);

          // The schemes keep apart whatever they encode: what still meets is only what
          // declarations themselves make meet (two applications of one name in one
          // project, a display name or a topic named like another's).
          const listing = listGeneratedNames(analysis.state);
          const owners = new Map<string, Set<string>>();
          for (const name of listing) {
            const key = `${name.namespace}\n${name.name}`;
            owners.set(key, (owners.get(key) ?? new Set()).add(name.owner));
          }
          const met = [...owners]
            .filter(([, claims]) => claims.size > 1)
            .map(([key]) => key.split('\n')[0] ?? '');
          expect(met.filter((namespace) => !INHERENT.test(namespace))).toEqual([]);

          const rendered = new Map<string, Root>();
          const models = compileWorkspaces(analysis.state);
          for (const [id, workspace] of models) {
            const text = renderWorkspace(
              analysis.state,
              workspace,
              exampleRenderConfig,
              exampleRepository,
            );
            rendered.set(id, JSON.parse(text) as Root);
          }

          // What the check compares is what was rendered: every identifier is listed.
          const listed = new Set(owners.keys());
          for (const [id, workspace] of models) {
            const unlisted = workspace.resources
              .map((resource) => resource.address)
              .filter((address) => !listed.has(`model address in ${id}\n${address}`));
            expect(unlisted).toEqual([]);
          }
          for (const [id, root] of rendered) {
            const unlisted = identifiersOf(id, root).filter(
              (found) => !listed.has(`${found.namespace}\n${found.name}`),
            );
            expect(unlisted).toEqual([]);
          }
          if (errors.length > 0) return;

          // Accepted: nothing was merged, every name is unique where it must be, and valid.
          for (const [id, root] of rendered)
            expect([id, counted(root)]).toEqual([id, org.expected.get(id)]);
          const seen = new Map<string, number>();
          for (const [id, root] of rendered) {
            for (const found of identifiersOf(id, root)) {
              const key = `${found.namespace}\n${found.name}`;
              seen.set(key, (seen.get(key) ?? 0) + 1);
            }
            for (const [kind, name] of fullNamesOf(root)) {
              const pattern = VALID.find(([what]) => what === kind)?.[1];
              expect([kind, name, pattern?.test(name)]).toEqual([kind, name, true]);
            }
          }
          expect([...seen].filter(([, count]) => count > 1)).toEqual([]);
        }),
        { numRuns: runs, interruptAfterTimeLimit: 60_000 },
      );
    },
    timeout,
  );
});
