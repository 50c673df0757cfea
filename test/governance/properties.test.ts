import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  analyzeRepository,
  type RepositoryAnalysis,
} from '../../shared/core/governance/analyze-repository.ts';
import { applicationMember } from '../../shared/core/governance/application-instances.ts';
import {
  buildPlan,
  compileGovernance,
  compileIncrementally,
} from '../../shared/core/governance/build-plan.ts';
import { buildDesiredState } from '../../shared/core/governance/desired-state.ts';
import type { WorkspaceModel } from '../../shared/core/governance/governance-model.ts';
import {
  forbiddenMembers,
  forbiddenRoles,
  workloadRoles,
} from '../../shared/core/governance/iam-roles.ts';
import { diffWorkspace, type GovernanceModel } from '../../shared/core/governance/plan.ts';
import {
  ORGANIZATION_WORKSPACE,
  projectWorkspaceId,
} from '../../shared/core/governance/workspace-id.ts';
import { compareStrings } from '../../shared/core/issues/issue.ts';
import { parseEgressDestination } from '../../shared/core/manifests/egress-destination.ts';
import { DNS_LABEL } from '../../shared/core/manifests/fields.ts';
import { API_VERSION, type Kind } from '../../shared/core/manifests/kinds.ts';
import type { Manifest, ManifestOf } from '../../shared/core/manifests/manifest.ts';
import type { RepositoryFile } from '../../shared/core/validate/validate-repository.ts';
import {
  dnsLabelArbitrary,
  encodeUtf8,
  hostnameArbitrary,
  organizationArbitrary,
  serializeManifest,
  textArbitrary,
  yamlStyleArbitrary,
  type GeneratedManifestFile,
  type GeneratedOrganization,
} from '../support/arbitraries/index.ts';

/**
 * Properties of the governance compiler over random valid organizations. Run counts keep
 * the file near 15 s on two cores; a property that compiles twice gets fewer runs. A
 * failing property shrinks for at most a minute, so that a bug reports its smallest
 * counterexample without hanging the suite.
 */
const runs = {
  provenance: 30,
  roles: 30,
  workloads: 30,
  network: 30,
  locality: 25,
  newSecret: 35,
  incremental: 30,
  determinism: 20,
  emptyPlan: 20,
};
const shrinkLimit = { interruptAfterTimeLimit: 60_000 };
const timeout = 120_000;

// ---------------------------------------------------------------------------------------
// Compiling
// ---------------------------------------------------------------------------------------

interface Compiled {
  readonly analysis: RepositoryAnalysis;
  readonly model: GovernanceModel;
}

/**
 * Analyses and compiles a repository that must validate. Policy may still refuse it (a
 * public bucket, an egress range of everything, a display name no folder can have), and so
 * may the renderer (a target other than Cloud Run): the compiler has to be safe on such
 * input too, and these properties check that it is.
 */
function compile(files: readonly RepositoryFile[]): Compiled {
  const analysis = analyzeRepository(files);
  const errors = analysis.issues.filter(
    (issue) =>
      issue.severity === 'error' && !/^(policy|codeowners|naming|render)\//.test(issue.rule),
  );
  expect(errors, 'validation errors').toEqual([]);
  return { analysis, model: compileGovernance(analysis.state) };
}

function workspacesOf(model: GovernanceModel): WorkspaceModel[] {
  return [...model.workspaces.values()];
}

/** The workspaces of a model as an array sorted by id, to compare models as values. */
function sortedWorkspaces(model: GovernanceModel): [string, WorkspaceModel][] {
  return [...model.workspaces].sort(([a], [b]) => compareStrings(a, b));
}

/** The resource type of an address such as `secret.stripe-key`. */
function typeOf(address: string): string {
  return address.slice(0, address.indexOf('.'));
}

/** Whether an RFC 6901 JSON pointer names a node of a plain value. */
function pointsInto(value: unknown, pointer: string): boolean {
  if (pointer === '') return true;
  if (!pointer.startsWith('/')) return false;
  let node = value;
  for (const escaped of pointer.slice(1).split('/')) {
    if (/~(?![01])/.test(escaped)) return false;
    const segment = escaped.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      if (!/^(?:0|[1-9]\d*)$/.test(segment) || Number(segment) >= node.length) return false;
      node = node[Number(segment)];
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment];
    } else {
      return false;
    }
  }
  return true;
}

/** A CIDR range that is every address: `0.0.0.0/0` or `::/0`, however written. */
function isEverything(range: string): boolean {
  const parsed = parseEgressDestination(range);
  return (
    range === '0.0.0.0/0' || range === '::/0' || (parsed?.type === 'cidr' && parsed.prefix === 0)
  );
}

/** A permutation of the items, driven by the swaps of a Fisher-Yates shuffle. */
function shuffle<T>(items: readonly T[], swaps: readonly number[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = (swaps[i % Math.max(1, swaps.length)] ?? 0) % (i + 1);
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Edits: picks, resolved against the generated organization
// ---------------------------------------------------------------------------------------

interface Found<K extends Kind> {
  readonly index: number;
  readonly file: GeneratedManifestFile;
  readonly manifest: ManifestOf<K>;
}

function manifestsOf<K extends Kind>(org: GeneratedOrganization, ...kinds: K[]): Found<K>[] {
  return org.manifests.flatMap((file, index) =>
    (kinds as readonly Kind[]).includes(file.manifest.kind)
      ? [{ index, file, manifest: file.manifest }]
      : [],
  );
}

function workspaceOfProject(project: ManifestOf<'Project'>): string {
  return projectWorkspaceId(
    project.metadata['organizational-unit'],
    project.metadata.environment,
    project.metadata.name,
  );
}

/** A path no file of the organization has. */
function freshPath(org: GeneratedOrganization, stem: string): string {
  const taken = new Set(org.files.map((file) => file.path));
  let path = `added/${stem}.yaml`;
  for (let n = 2; taken.has(path); n++) path = `added/${stem}-${n}.yaml`;
  return path;
}

/** The files with one of them rewritten as a modified manifest, in the same style. */
function rewrite(org: GeneratedOrganization, index: number, manifest: Manifest): RepositoryFile[] {
  const file = org.manifests[index] as GeneratedManifestFile;
  const bytes = encodeUtf8(serializeManifest(manifest, file.style));
  return org.files.map((entry, i) => (i === index ? { path: entry.path, bytes } : entry));
}

/** Where a new Secret goes, its name, who owns it, and how its file is written. */
const secretAdditionArbitrary = fc.record({
  project: fc.nat(),
  name: dnsLabelArbitrary,
  /**
   * Take the name of a secret the compiler itself creates in a project (the connection
   * string of a database grant) where there is one: no Secret has that name, so it is a
   * fresh, valid Secret name, and one that collides with a generated resource.
   */
  generatedName: fc.oneof(
    { weight: 3, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  owner: fc.record({
    level: fc.constantFrom('administrators' as const, 'contributors' as const),
    group: fc.boolean(),
    which: fc.nat(),
  }),
  description: fc.option(textArbitrary, { nil: undefined }),
  style: yamlStyleArbitrary,
});
type SecretAddition = typeof secretAdditionArbitrary extends fc.Arbitrary<infer T> ? T : never;

interface Edited {
  readonly files: RepositoryFile[];
  /** What the edit did, for failure messages. */
  readonly description: string;
}

/**
 * Adds a Secret to one project of the organization, owned by one of its groups or users
 * so that CODEOWNERS has a line for it.
 */
function addSecret(
  org: GeneratedOrganization,
  model: GovernanceModel,
  addition: SecretAddition,
): Edited & { readonly workspace: string; readonly path: string; readonly name: string } {
  const projects = manifestsOf(org, 'Project');
  const secretsIn = (workspace: string) =>
    new Set(
      manifestsOf(org, 'Secret')
        .filter(({ manifest: { metadata } }) => {
          const id = projectWorkspaceId(
            metadata['organizational-unit'],
            metadata.environment,
            metadata.project,
          );
          return id === workspace;
        })
        .map(({ manifest }) => manifest.metadata.name),
    );
  const generated = projects.flatMap(({ manifest }) => {
    const workspace = workspaceOfProject(manifest);
    const taken = secretsIn(workspace);
    return (model.workspaces.get(workspace)?.resources ?? [])
      .filter((resource) => resource.type === 'secret')
      .map((resource) => resource.address.slice('secret.'.length))
      .filter((name) => !taken.has(name) && DNS_LABEL.test(name))
      .map((name) => ({ project: manifest, name }));
  });
  let project: ManifestOf<'Project'>;
  let name: string;
  const collision = generated[addition.project % Math.max(1, generated.length)];
  if (addition.generatedName && collision !== undefined) {
    ({ project, name } = collision);
  } else {
    project = (projects[addition.project % projects.length] as Found<'Project'>).manifest;
    name = addition.name;
    const taken = secretsIn(workspaceOfProject(project));
    for (let n = 2; taken.has(name); n++) name = `new-secret-${n}`;
  }

  const users = manifestsOf(org, 'OrganizationUser').map(({ manifest }) => manifest.metadata.name);
  const groups = manifestsOf(org, 'OrganizationUserGroup').map(
    ({ manifest }) => manifest.metadata.name,
  );
  const { level, group, which } = addition.owner;
  const owner =
    group && groups.length > 0
      ? { groups: [groups[which % groups.length] as string] }
      : { members: [users[which % users.length] as string] };
  const secret: ManifestOf<'Secret'> = {
    apiVersion: API_VERSION,
    kind: 'Secret',
    metadata: {
      name,
      project: project.metadata.name,
      environment: project.metadata.environment,
      'organizational-unit': project.metadata['organizational-unit'],
      organization: project.metadata.organization,
    },
    spec: {
      ...(addition.description !== undefined && { description: addition.description }),
      permissions: { [level]: owner },
    },
  };
  const path = freshPath(org, name);
  const workspace = workspaceOfProject(project);
  return {
    files: [...org.files, { path, bytes: encodeUtf8(serializeManifest(secret, addition.style)) }],
    description: `add Secret ${name} to ${workspace} as ${path}`,
    workspace,
    path,
    name,
  };
}

const editArbitrary = fc.record({
  kind: fc.constantFrom(
    'add-secret' as const,
    'remove-secret' as const,
    'egress' as const,
    'description' as const,
  ),
  which: fc.nat(),
  addition: secretAdditionArbitrary,
  hosts: fc.uniqueArray(hostnameArbitrary, { minLength: 1, maxLength: 3 }),
  description: textArbitrary,
});
type Edit = typeof editArbitrary extends fc.Arbitrary<infer T> ? T : never;

/**
 * One valid edit of the organization: add a Secret to a project; remove a Secret that
 * nothing references; give a project a different allowedEgress list of hosts; change an
 * application's description. An edit the organization offers nothing for (no
 * application, say) gives way to the next kind that applies.
 */
function applyEdit(org: GeneratedOrganization, model: GovernanceModel, edit: Edit): Edited {
  const referenced = new Set(org.references.map((reference) => reference.to));
  const unreferenced = manifestsOf(org, 'Secret').filter(({ index }) => !referenced.has(index));
  const applications = manifestsOf(org, 'Application', 'ExternalApplication');
  const order = ['add-secret', 'remove-secret', 'egress', 'description'] as const;
  const applies = (kind: Edit['kind']) =>
    (kind !== 'remove-secret' || unreferenced.length > 0) &&
    (kind !== 'description' || applications.length > 0);
  const start = order.indexOf(edit.kind);
  const kind = [...order.slice(start), ...order.slice(0, start)].find(applies) ?? 'add-secret';

  switch (kind) {
    case 'add-secret':
      return addSecret(org, model, edit.addition);
    case 'remove-secret': {
      const { index, file } = unreferenced[edit.which % unreferenced.length] as Found<'Secret'>;
      return {
        files: org.files.filter((_, i) => i !== index),
        description: `remove the Secret of ${file.path}`,
      };
    }
    case 'egress': {
      const projects = manifestsOf(org, 'Project');
      const { index, file, manifest } = projects[edit.which % projects.length] as Found<'Project'>;
      const hosts = isDeepStrictEqual(edit.hosts, manifest.spec.allowedEgress)
        ? [...edit.hosts, 'edited.invalid']
        : edit.hosts;
      return {
        files: rewrite(org, index, {
          ...manifest,
          spec: { ...manifest.spec, allowedEgress: hosts },
        }),
        description: `allowedEgress of ${file.path} becomes ${JSON.stringify(hosts)}`,
      };
    }
    case 'description': {
      const { index, file, manifest } = applications[edit.which % applications.length] as Found<
        'Application' | 'ExternalApplication'
      >;
      const description =
        edit.description === manifest.spec.description
          ? `${edit.description} (edited)`
          : edit.description;
      return {
        files: rewrite(org, index, {
          ...manifest,
          spec: { ...manifest.spec, description },
        } as Manifest),
        description: `description of ${file.path} becomes ${JSON.stringify(description)}`,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

describe('the governance compiler, by property', () => {
  it(
    '1. traces every binding, rule, egress entry and resource to a node of a generated file',
    () => {
      fc.assert(
        fc.property(organizationArbitrary(), (org) => {
          const manifests = new Map(org.manifests.map((file) => [file.path, file.manifest]));
          const { model } = compile(org.files);
          const untraced = workspacesOf(model).flatMap((workspace) =>
            [...workspace.resources, ...workspace.iam, ...workspace.firewall, ...workspace.egress]
              .filter((item) => {
                const manifest = manifests.get(item.cause.file);
                return manifest === undefined || !pointsInto(manifest, item.cause.pointer);
              })
              .map((item) => `${workspace.id}: ${JSON.stringify(item)}`),
          );
          expect(untraced).toEqual([]);
        }),
        { numRuns: runs.provenance, ...shrinkLimit },
      );
    },
    timeout,
  );

  it(
    '2. never binds a forbidden or basic role, nor allUsers or allAuthenticatedUsers',
    () => {
      const basicRoles = ['roles/owner', 'roles/editor', 'roles/viewer'];
      const publicMembers = ['allUsers', 'allAuthenticatedUsers'];
      fc.assert(
        fc.property(organizationArbitrary(), (org) => {
          const { model } = compile(org.files);
          const forbidden = workspacesOf(model).flatMap((workspace) =>
            workspace.iam
              .filter(
                (binding) =>
                  forbiddenRoles.has(binding.role) ||
                  basicRoles.includes(binding.role) ||
                  forbiddenMembers.has(binding.member) ||
                  publicMembers.includes(binding.member),
              )
              .map((binding) => `${workspace.id}: ${JSON.stringify(binding)}`),
          );
          expect(forbidden).toEqual([]);
        }),
        { numRuns: runs.roles, ...shrinkLimit },
      );
    },
    timeout,
  );

  it(
    "3. binds an application's own service account only on the secrets and topics it is granted",
    () => {
      // What a grant becomes (application-instances.ts): accessControl.secrets and the
      // database's connection string, secretAccessor on a secret; publishTo, publisher
      // on a topic. subscribeTo binds a push subscription's own account, not the app's.
      const allowed: Readonly<Record<string, string>> = {
        secret: workloadRoles.secretAccessor,
        pubsub_topic: workloadRoles.publisher,
      };
      const seen = new Set<string>();
      fc.assert(
        fc.property(organizationArbitrary(), (org) => {
          const { analysis, model } = compile(org.files);
          for (const instance of analysis.state.instances) {
            const name = analysis.state.nodes.get(instance.application)?.name ?? '';
            const workspace = model.workspaces.get(instance.workspace);
            const addresses = new Set(workspace?.resources.map((resource) => resource.address));
            const account = workspace?.resources.find(
              (resource) => resource.address === `service_account.${name}`,
            );
            expect(account?.attributes['roles'], `project roles of ${instance.id}`).toEqual([]);
            for (const binding of workspace?.iam ?? []) {
              if (binding.member !== applicationMember(name)) continue;
              const context = `${instance.id}: ${JSON.stringify(binding)}`;
              const type = typeOf(binding.resource);
              seen.add(type);
              expect(['project', 'folder', 'organization'], context).not.toContain(type);
              expect(Object.keys(allowed), context).toContain(type);
              expect(binding.role, context).toBe(allowed[type]);
              expect(addresses.has(binding.resource), `resource of ${context}`).toBe(true);
            }
          }
        }),
        { numRuns: runs.workloads, ...shrinkLimit },
      );
      // Both kinds of grant were generated and compiled: the property was not vacuous.
      expect([...seen].sort()).toEqual(Object.keys(allowed).sort());
    },
    timeout,
  );

  it(
    '4. gives every project workspace both deny-all rules at 65535 and never allows everything',
    () => {
      fc.assert(
        fc.property(organizationArbitrary(), (org) => {
          const { analysis, model } = compile(org.files);
          const projects = analysis.state.workspaces.filter((id) => id !== ORGANIZATION_WORKSPACE);
          expect(projects.length).toBeGreaterThan(0);
          for (const id of projects) {
            const rules = model.workspaces.get(id)?.firewall ?? [];
            for (const [name, direction] of [
              ['deny-all-ingress', 'INGRESS'],
              ['deny-all-egress', 'EGRESS'],
            ] as const) {
              expect(
                rules
                  .filter((rule) => rule.name === name)
                  .map((rule) => [rule.direction, rule.action, rule.priority]),
                `${name} of ${id}`,
              ).toEqual([[direction, 'deny', 65535]]);
            }
            const everywhere = rules.filter(
              (rule) => rule.action === 'allow' && rule.ranges.some(isEverything),
            );
            expect(everywhere, `rules of ${id} that allow everything`).toEqual([]);
          }
        }),
        { numRuns: runs.network, ...shrinkLimit },
      );
    },
    timeout,
  );

  it(
    '5. a new Secret changes its project workspace only, and adds one line to CODEOWNERS',
    () => {
      fc.assert(
        fc.property(organizationArbitrary(), secretAdditionArbitrary, (org, addition) => {
          const base = compile(org.files);
          const added = addSecret(org, base.model, addition);
          const head = compile(added.files);
          const context = added.description;
          expect([...head.model.workspaces.keys()], context).toEqual([
            ...base.model.workspaces.keys(),
          ]);
          for (const [id, before] of base.model.workspaces) {
            const after = head.model.workspaces.get(id);
            if (id === added.workspace) expect(after, `${context}: ${id}`).not.toEqual(before);
            else expect(after, `${context}: ${id}`).toStrictEqual(before);
          }
          const lines = head.model.codeowners.lines;
          expect(lines, context).toHaveLength(base.model.codeowners.lines.length + 1);
          expect(
            lines.filter((line) => line.file !== added.path),
            context,
          ).toStrictEqual(base.model.codeowners.lines);
          expect(head.model.codeowners.text.split('\n'), context).toHaveLength(
            base.model.codeowners.text.split('\n').length + 1,
          );
        }),
        { numRuns: runs.locality, ...shrinkLimit },
      );
    },
    timeout,
  );

  it(
    '5b. a new Secret only adds its own resource and bindings to its workspace, whatever its name',
    () => {
      fc.assert(
        fc.property(organizationArbitrary(), secretAdditionArbitrary, (org, addition) => {
          const base = compile(org.files);
          const added = addSecret(org, base.model, addition);
          const head = compile(added.files);
          const plan = diffWorkspace(
            base.model.workspaces.get(added.workspace) as WorkspaceModel,
            head.model.workspaces.get(added.workspace) as WorkspaceModel,
          );
          const context = added.description;
          const address = `secret.${added.name}`;
          const bindings = plan?.iam.add ?? [];
          const changes = {
            created: (plan?.create ?? []).map(
              (change) => `${change.address} from ${change.cause.file}`,
            ),
            changedInPlace: (plan?.update ?? []).map(
              (change) => `${change.address}: ${JSON.stringify(change.changes)}`,
            ),
            destroyed: (plan?.destroy ?? []).map((change) => change.address),
            otherBindingsAdded: bindings
              .filter(
                (binding) => binding.resource !== address || binding.cause.file !== added.path,
              )
              .map((binding) => JSON.stringify(binding)),
            bindingsRemoved: (plan?.iam.remove ?? []).map((binding) => JSON.stringify(binding)),
            firewall: plan
              ? [...plan.firewall.add, ...plan.firewall.remove, ...plan.firewall.update]
              : [],
            egress: plan ? [...plan.egress.add, ...plan.egress.remove] : [],
          };
          expect(changes, context).toEqual({
            created: [`${address} from ${added.path}`],
            changedInPlace: [],
            destroyed: [],
            otherBindingsAdded: [],
            bindingsRemoved: [],
            firewall: [],
            egress: [],
          });
          expect(bindings.length, `${context}: bindings of its owner`).toBeGreaterThan(0);
        }),
        { numRuns: runs.newSecret, ...shrinkLimit },
      );
    },
    timeout,
  );

  it(
    '6. compiling incrementally gives what compiling everything gives, and recompiles what changed',
    () => {
      fc.assert(
        fc.property(organizationArbitrary(), editArbitrary, (org, edit) => {
          const base = compile(org.files);
          const edited = applyEdit(org, base.model, edit);
          const head = compile(edited.files);
          const context = edited.description;
          const incremental = compileIncrementally(
            { state: base.analysis.state, model: base.model },
            head.analysis.state,
          );
          expect(sortedWorkspaces(incremental.model), context).toStrictEqual(
            sortedWorkspaces(head.model),
          );
          expect(incremental.model.codeowners, context).toStrictEqual(head.model.codeowners);
          // The pipeline builds a revision's graph from the one before, reusing the nodes that
          // did not change: that path must compile to the same models and CODEOWNERS too.
          const reused = buildDesiredState(head.analysis.manifests, base.analysis.state);
          const fromReused = compileIncrementally(
            { state: base.analysis.state, model: base.model },
            reused,
          );
          expect(sortedWorkspaces(fromReused.model), context).toStrictEqual(
            sortedWorkspaces(head.model),
          );
          expect(fromReused.model.codeowners, context).toStrictEqual(head.model.codeowners);
          const ids = new Set([...base.model.workspaces.keys(), ...head.model.workspaces.keys()]);
          const changed = [...ids].filter(
            (id) =>
              !isDeepStrictEqual(base.model.workspaces.get(id), head.model.workspaces.get(id)),
          );
          expect(
            changed.filter((id) => !incremental.recompiled.has(id)),
            `${context}: changed but not recompiled`,
          ).toEqual([]);
        }),
        { numRuns: runs.incremental, ...shrinkLimit },
      );
    },
    timeout,
  );

  it(
    '7. compiles the same files in any order to the same models and CODEOWNERS',
    () => {
      fc.assert(
        fc.property(
          organizationArbitrary(),
          fc.array(fc.nat(), { minLength: 1, maxLength: 50 }),
          (org, swaps) => {
            const expected = compile(org.files);
            const shuffled = compile(shuffle(org.files, swaps));
            expect([...shuffled.model.workspaces]).toStrictEqual([...expected.model.workspaces]);
            expect(shuffled.model.codeowners.text).toBe(expected.model.codeowners.text);
            expect(shuffled.model.codeowners).toStrictEqual(expected.model.codeowners);
          },
        ),
        { numRuns: runs.determinism, ...shrinkLimit },
      );
    },
    timeout,
  );

  it(
    '8. plans nothing from a state to itself',
    () => {
      fc.assert(
        fc.property(organizationArbitrary(), (org) => {
          const { state } = compile(org.files).analysis;
          const plan = buildPlan({ label: 'a', state }, { label: 'b', state });
          expect(plan.workspaces).toEqual([]);
          expect(plan.codeowners).toEqual({ add: [], remove: [] });
          expect(plan.consent).toEqual([]);
          expect(plan.publicExposure).toEqual([]);
          expect(Object.values(plan.summary).filter((count) => count !== 0)).toEqual([]);
        }),
        { numRuns: runs.emptyPlan, ...shrinkLimit },
      );
    },
    timeout,
  );
});
