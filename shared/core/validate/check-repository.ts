import { createIssue, type Issue } from '../issues/issue.ts';
import type { RuleId } from '../issues/rules.ts';
import { kindParents, parentKinds, type Kind, type ParentKey } from '../manifests/kinds.ts';
import type { ManifestOf } from '../manifests/manifest.ts';
import { locate } from '../parse/source-document.ts';
import { quoteList } from '../text/suggest.ts';
import { lookupScope, referencesOf, type Reference } from './references.ts';
import {
  identityOf,
  RepositoryIndex,
  type IndexedManifest,
  type Scope,
} from './repository-index.ts';

/**
 * The checks that need the whole repository: identities are unique, every ancestor named
 * in metadata exists and belongs to the others, every name in spec resolves to exactly
 * one manifest of the right kind in the right scope, and every application can be
 * placed in each environment of its release track.
 */
export function checkRepository(
  entries: readonly IndexedManifest[],
  /** Filled with every first declaration, for callers that look manifests up afterwards. */
  index: RepositoryIndex = new RepositoryIndex(),
): Issue[] {
  const issues: Issue[] = [];
  const report = (
    entry: IndexedManifest,
    rule: RuleId,
    pointer: string,
    message: string,
    part: 'key' | 'value' = 'value',
    related: readonly IndexedManifest[] = [],
  ) => {
    const relatedLocations =
      related.length === 0
        ? undefined
        : related.map((other) => ({
            ...locate(other.source, '/metadata/name'),
            message: `${related.length === 1 ? 'the other' : 'another'} ${other.kind} is in ${other.source.path}`,
          }));
    issues.push(createIssue(rule, locate(entry.source, pointer, part), message, relatedLocations));
  };

  // The first declaration is checked further; every copy, the first included, gets the
  // duplicate reported, so that the owners of each file see it.
  const unique: IndexedManifest[] = [];
  const copies = new Map<IndexedManifest, IndexedManifest[]>();
  for (const entry of entries) {
    const first = index.add(entry);
    if (first === undefined) unique.push(entry);
    else copies.set(first, [...(copies.get(first) ?? [first]), entry]);
  }
  for (const group of copies.values()) {
    for (const entry of group) {
      const others = group.filter((other) => other !== entry);
      const found = others.length === 1 ? 'another' : `${others.length} others`;
      report(
        entry,
        'identity/duplicate',
        '/metadata/name',
        `expected one ${entry.kind} named "${entry.name}" ${describeScope(entry.metadata, entry.kind)}, found ${found} in ${others.map((other) => other.source.path).join(', ')}`,
        'value',
        others,
      );
    }
  }

  const organizations = unique.filter((entry) => entry.kind === 'Organization');
  for (const extra of organizations.slice(1)) {
    report(
      extra,
      'identity/one-organization',
      '/metadata/name',
      `expected one Organization per repository, found "${extra.name}" besides "${organizations[0]?.name ?? ''}" in ${organizations[0]?.source.path ?? ''}`,
    );
  }

  for (const entry of unique) {
    if (!checkAncestors(entry)) continue;
    if (entry.manifest === undefined) continue;
    for (const reference of referencesOf(entry.manifest)) {
      if (reference.scope !== 'placement')
        resolve(entry, reference, lookupScope(reference, entry.metadata));
    }
    if (entry.manifest.kind === 'Application' || entry.manifest.kind === 'ExternalApplication') {
      checkPlacement(entry, entry.manifest);
    }
  }
  checkGroupCycles(unique);
  return issues;

  /** Reports the outermost ancestor that is missing or misplaced; true when all exist. */
  function checkAncestors(entry: IndexedManifest): boolean {
    const keys = kindParents[entry.kind];
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as ParentKey;
      const kind = parentKinds[key];
      const name = entry.metadata[key] ?? '';
      if (index.get(identityOf(kind, entry.metadata, name)) !== undefined) continue;
      const elsewhere = index.named(kind, name);
      const pointer = `/metadata/${key}`;
      if (elsewhere.length === 0) {
        report(
          entry,
          'ref/dangling-parent',
          pointer,
          `metadata.${key}: expected an existing ${kind}, found "${name}", which no manifest declares ${describeScope(entry.metadata, kind)}`,
        );
      } else {
        const other = elsewhere[0] as IndexedManifest;
        const mismatch =
          kindParents[kind].find((parent) => other.metadata[parent] !== entry.metadata[parent]) ??
          key;
        report(
          entry,
          'ref/ancestor-chain',
          pointer,
          `metadata.${key}: ${kind} "${name}" belongs to ${mismatch} "${other.metadata[mismatch] ?? ''}" (${other.source.path}), not to ${mismatch} "${entry.metadata[mismatch] ?? ''}" as this manifest says`,
        );
      }
      return false;
    }
    return true;
  }

  /** Resolves one reference in a scope; reports why it does not resolve. */
  function resolve(
    entry: IndexedManifest,
    reference: Reference,
    scope: Scope,
    where = '',
  ): IndexedManifest | undefined {
    const fail = (rule: RuleId, message: string) => {
      report(entry, rule, reference.pointer, message, reference.part);
    };
    for (const kind of reference.kinds) {
      const found = index.find(kind, reference.name, scope);
      if (found.length === 1) return found[0];
      if (found.length > 1) {
        fail(
          'ref/ambiguous',
          `expected one ${kind} named "${reference.name}"${where}, found ${found.length}: ${found.map((match) => match.source.path).join(', ')}`,
        );
        return undefined;
      }
    }
    const target = reference.kinds[0] as Kind;
    const expected = `expected ${withArticle(reference.kinds.join(' or '))} named "${reference.name}" ${describeScope(scope, target)}${where}`;
    // Something else of that name at the same level, in scope: the name is right, the kind is not.
    for (const other of index.anyNamed(reference.name)) {
      if (reference.kinds.includes(other.kind) || !sameParents(other.kind, target)) continue;
      const [inScope] = index.find(other.kind, reference.name, scope);
      if (inScope !== undefined) {
        fail(
          'ref/wrong-kind',
          `${expected}, found ${withArticle(inScope.kind)} of that name (${inScope.source.path})`,
        );
        return undefined;
      }
    }
    const [elsewhere] = reference.kinds.flatMap((kind) => index.named(kind, reference.name));
    if (elsewhere !== undefined) {
      const boundary = {
        organization: 'organization',
        unit: 'organizational unit',
        project: 'project and environment',
        placement: 'project and environment',
      }[reference.scope];
      fail(
        'ref/cross-scope',
        `${expected}, found one only ${describeScope(elsewhere.metadata, elsewhere.kind)} (${elsewhere.source.path}); references stay within their ${boundary}`,
      );
      return undefined;
    }
    fail('ref/dangling', `${expected}, found none`);
    return undefined;
  }

  /**
   * An application deploys, for each environment of its release track, into the project
   * of its `spec.project` name there, configured by the DeploymentConfig of its own name;
   * everything it is granted must exist in that project.
   */
  function checkPlacement(
    entry: IndexedManifest,
    application: ManifestOf<'Application' | 'ExternalApplication'>,
  ): void {
    const track = index.get(
      identityOf('ReleaseTrack', entry.metadata, entry.metadata['release-track'] ?? ''),
    )?.manifest;
    if (track?.kind !== 'ReleaseTrack') return;
    const unit = {
      organization: application.metadata.organization,
      'organizational-unit': application.metadata['organizational-unit'],
    };
    const environments = environmentsOf(entry) ?? new Set<string>();
    const placed = referencesOf(application).filter((reference) => reference.scope === 'placement');
    for (const environment of [...environments].sort()) {
      const scope: Scope = { ...unit, environment, project: application.spec.project };
      const where = ` (release track "${track.metadata.name}" deploys this application to environment "${environment}")`;
      checkCallees(entry, application, environment, where);
      if (index.get(identityOf('Project', scope, application.spec.project)) === undefined) {
        report(
          entry,
          'ref/release-track-project',
          '/spec/project',
          `expected a Project named "${application.spec.project}" in environment "${environment}", found none${where}`,
        );
        continue;
      }
      if (
        index.get(identityOf('DeploymentConfig', scope, application.metadata.name)) === undefined
      ) {
        report(
          entry,
          'ref/deployment-config',
          '/metadata/name',
          `expected a DeploymentConfig named "${application.metadata.name}" in project "${application.spec.project}" of environment "${environment}", found none${where}`,
        );
      }
      for (const reference of placed) {
        const target = resolve(entry, reference, scope, where);
        const database = application.spec.accessControl?.database;
        if (target?.manifest?.kind === 'Database' && database !== undefined) {
          const schemas = (target.manifest.spec.databases ?? []).map((db) => db.name);
          if (!schemas.includes(database.schema)) {
            report(
              entry,
              'ref/dangling',
              '/spec/accessControl/database/schema',
              `expected one of the databases of Database "${database.name}" (${schemas.length > 0 ? quoteList(schemas) : 'it declares none'}), found "${database.schema}"${where}`,
            );
          }
        }
      }
    }
  }

  /** The environments of its unit that an application's release track deploys it to. */
  function environmentsOf(entry: IndexedManifest): Set<string> | undefined {
    const track = index.get(
      identityOf('ReleaseTrack', entry.metadata, entry.metadata['release-track'] ?? ''),
    )?.manifest;
    if (track?.kind !== 'ReleaseTrack') return undefined;
    const unit = {
      organization: entry.metadata.organization ?? '',
      'organizational-unit': entry.metadata['organizational-unit'] ?? '',
    };
    return new Set(
      [track.spec.preReleaseStages, track.spec.releaseStages, track.spec.hotfixStages]
        .flatMap((stages) => stages ?? [])
        .flatMap((stage) => stage.environments)
        .filter(
          (environment) => index.get(identityOf('Environment', unit, environment)) !== undefined,
        ),
    );
  }

  /**
   * A call is granted where both ends run: in each environment the caller deploys to, the
   * callee must deploy too, or the grant would name a service that does not exist there.
   */
  function checkCallees(
    entry: IndexedManifest,
    application: ManifestOf<'Application' | 'ExternalApplication'>,
    environment: string,
    where: string,
  ): void {
    const unit = {
      organization: application.metadata.organization,
      'organizational-unit': application.metadata['organizational-unit'],
    };
    application.spec.accessControl?.calls?.forEach((name, position) => {
      const [callee] = [
        ...index.find('Application', name, unit),
        ...index.find('ExternalApplication', name, unit),
      ];
      // A name that does not resolve is reported where references are resolved.
      const deployed = callee === undefined ? undefined : environmentsOf(callee);
      if (deployed === undefined || deployed.has(environment)) return;
      report(
        entry,
        'ref/callee-not-deployed',
        `/spec/accessControl/calls/${position}`,
        `expected ${callee?.kind ?? ''} "${name}" to be deployed to environment "${environment}", where this application calls it, found it deployed to ${deployed.size > 0 ? quoteList([...deployed].sort(), 'and') : 'no environment'}${where}`,
      );
    });
  }

  function checkGroupCycles(all: readonly IndexedManifest[]): void {
    const parentOf = new Map<string, string>();
    const groups = all.filter((entry) => entry.manifest?.kind === 'OrganizationUserGroup');
    for (const group of groups) {
      if (group.manifest?.kind === 'OrganizationUserGroup' && group.manifest.spec.parent) {
        parentOf.set(group.name, group.manifest.spec.parent);
      }
    }
    for (const group of groups) {
      const seen = [group.name];
      for (
        let parent = parentOf.get(group.name);
        parent !== undefined;
        parent = parentOf.get(parent)
      ) {
        if (parent === group.name) {
          report(
            group,
            'ref/cycle',
            '/spec/parent',
            `expected group parents to form a tree, found the cycle ${[...seen, parent].join(' → ')}`,
          );
          break;
        }
        if (seen.includes(parent)) break;
        seen.push(parent);
      }
    }
  }
}

/** `a Secret`, `an Environment`. */
function withArticle(noun: string): string {
  return `${/^[AEIOU]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

function sameParents(a: Kind, b: Kind): boolean {
  return kindParents[a].join() === kindParents[b].join();
}

/** `in project "p" of environment "e"`: the two nearest ancestors of the kind that the scope names. */
function describeScope(scope: Scope, kind: Kind): string {
  const parts = kindParents[kind]
    .filter((key) => scope[key] !== undefined)
    .slice(0, 2)
    .map((key) => `${key} "${scope[key] ?? ''}"`);
  return parts.length === 0 ? 'in this repository' : `in ${parts.join(' of ')}`;
}
