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

/** Unions the permissions of a manifest and its ancestors (a union: nothing is revoked below). */
export function combinePermissions(
  chain: readonly (PermissionsSpec | undefined)[],
): EffectivePermissions {
  const result = {} as Record<AccessLevel, PrincipalNames>;
  for (const level of accessLevels) {
    const groups = new Set<string>();
    const members = new Set<string>();
    for (const permissions of chain) {
      permissions?.[level]?.groups?.forEach((group) => groups.add(group));
      permissions?.[level]?.members?.forEach((member) => members.add(member));
    }
    result[level] = { groups: [...groups].sort(), members: [...members].sort() };
  }
  return result;
}
