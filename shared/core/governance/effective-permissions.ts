import type { Manifest } from '../manifests/manifest.ts';
import type { Principals } from '../manifests/fields.ts';

/** The three access levels of the format, strongest first. */
export const accessLevels = ['administrators', 'contributors', 'viewers'] as const;

/** An access level: administrators, contributors or viewers. */
export type AccessLevel = (typeof accessLevels)[number];

/** Group and member names, sorted and without duplicates. */
export interface PrincipalNames {
  readonly groups: readonly string[];
  readonly members: readonly string[];
}

/** Who holds each access level on a manifest, its own grants combined with its ancestors'. */
export type EffectivePermissions = Readonly<Record<AccessLevel, PrincipalNames>>;

type PermissionsSpec = Partial<Record<AccessLevel, Principals | undefined>>;

/** The `permissions` a manifest declares itself, for the kinds that have them. */
export function ownPermissions(manifest: Manifest): PermissionsSpec | undefined {
  switch (manifest.kind) {
    case 'Organization':
    case 'OrganizationalUnit':
    case 'Environment':
    case 'Project':
    case 'Secret':
    case 'GithubRepository':
      return manifest.spec.permissions;
    default:
      return undefined;
  }
}

/** Nobody, at every level: the permissions above the root. */
export const noPermissions: EffectivePermissions = {
  administrators: { groups: [], members: [] },
  contributors: { groups: [], members: [] },
  viewers: { groups: [], members: [] },
};

/**
 * A manifest's own permissions combined with those it inherits (a union: nothing is
 * revoked below). Without permissions of its own it shares its parent's object, which is
 * what most manifests do.
 */
export function combinePermissions(
  own: PermissionsSpec | undefined,
  inherited: EffectivePermissions,
): EffectivePermissions {
  if (own === undefined) return inherited;
  const result = {} as Record<AccessLevel, PrincipalNames>;
  for (const level of accessLevels) {
    result[level] = {
      groups: union(inherited[level].groups, own[level]?.groups),
      members: union(inherited[level].members, own[level]?.members),
    };
  }
  return result;
}

function union(sorted: readonly string[], more: readonly string[] | undefined): readonly string[] {
  if (more === undefined || more.length === 0) return sorted;
  return [...new Set([...sorted, ...more])].sort();
}
