import type { Principals } from './fields.ts';
import type { Manifest } from './manifest.ts';

/** The three access levels of the format, strongest first. */
export const accessLevels = ['administrators', 'contributors', 'viewers'] as const;

/** An access level: administrators, contributors or viewers. */
export type AccessLevel = (typeof accessLevels)[number];

/** The `permissions` field as a manifest writes it. */
export type PermissionsSpec = Partial<Record<AccessLevel, Principals | undefined>>;

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
