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
 * revoked below). When its own permissions add nobody it shares its parent's object,
 * which is what most manifests do; what shares an object is worked out once (CODEOWNERS).
 */
export function combinePermissions(
  own: PermissionsSpec | undefined,
  inherited: EffectivePermissions,
): EffectivePermissions {
  if (own === undefined) return inherited;
  const result = {} as Record<AccessLevel, PrincipalNames>;
  let addsSomeone = false;
  for (const level of accessLevels) {
    const groups = union(inherited[level].groups, own[level]?.groups);
    const members = union(inherited[level].members, own[level]?.members);
    const same = groups === inherited[level].groups && members === inherited[level].members;
    result[level] = same ? inherited[level] : { groups, members };
    addsSomeone ||= !same;
  }
  return addsSomeone ? result : inherited;
}

function union(sorted: readonly string[], more: readonly string[] | undefined): readonly string[] {
  if (more === undefined || more.every((name) => sorted.includes(name))) return sorted;
  return [...new Set([...sorted, ...more])].sort();
}
