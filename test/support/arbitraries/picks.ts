/**
 * "Picks": plain numbers in a blueprint that choose among things that exist, resolved
 * modulo how many there are when the manifests are derived.
 */
import fc from 'fast-check';
import { fields } from './values.ts';

/**
 * Whether something exists in each of the (up to 3) environments of its unit: mostly
 * yes, so that applications can often be placed; shrinks towards absent.
 */
export const mask = fc.array(
  fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
  { minLength: 3, maxLength: 3 },
);

/** Numbers that choose among existing things, modulo how many there are. */
export const picks = fc.array(fc.nat({ max: 15 }), { maxLength: 3 });
export const pick = fc.nat({ max: 15 });

export const principalsPick = fields({ groups: picks, members: picks });
export type PrincipalsPick = typeof principalsPick extends fc.Arbitrary<infer T> ? T : never;
export const permissionsPick = fields({
  administrators: principalsPick,
  contributors: principalsPick,
  viewers: principalsPick,
});
export type PermissionsPick = typeof permissionsPick extends fc.Arbitrary<infer T> ? T : never;

export function named<T extends { name: string }>(
  item: fc.Arbitrary<T>,
  minLength: number,
  maxLength: number,
): fc.Arbitrary<T[]> {
  return fc.uniqueArray(item, { minLength, maxLength, selector: (entry) => entry.name });
}
