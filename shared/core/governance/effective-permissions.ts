import { accessLevels, type AccessLevel, type PermissionsSpec } from '../manifests/permissions.ts';

/** Group and member names, sorted and without duplicates. */
export interface PrincipalNames {
  readonly groups: readonly string[];
  readonly members: readonly string[];
}

/** Who holds each access level on a manifest, its own grants combined with its ancestors'. */
export type EffectivePermissions = Readonly<Record<AccessLevel, PrincipalNames>>;

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
