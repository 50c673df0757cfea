import type { Kind } from '../manifests/kinds.ts';
import type { Manifest } from '../manifests/manifest.ts';
import { toPointer } from '../parse/source-document.ts';
import type { Principals } from '../manifests/fields.ts';
import { ownPermissions, type PermissionsSpec } from '../manifests/permissions.ts';
import type { Scope } from './repository-index.ts';

/**
 * Where a name in spec is looked for, relative to the manifest that writes it:
 * - `organization`: anywhere in the organization (people, registries, build definitions);
 * - `unit`: in the same organizational unit (environments of a release track);
 * - `project`: in the same project of the same environment;
 * - `placement`: in the project an application deploys to, in each environment of its
 *   release track (checked once per environment).
 */
export type ReferenceScope = 'organization' | 'unit' | 'project' | 'placement';

/** A name in spec that must resolve to exactly one manifest. */
export interface Reference {
  readonly pointer: string;
  readonly name: string;
  /** The kinds it may name, preferred first. */
  readonly kinds: readonly Kind[];
  readonly scope: ReferenceScope;
  /** Where the name is written: the value (usually) or the key of a mapping entry. */
  readonly part: 'key' | 'value';
}

/**
 * Where a reference that is not a placement is looked for, from the metadata of the
 * manifest that writes it: a `unit` reference keeps only the unit and the organization,
 * so that an application's call finds applications of other sets and tracks of its unit.
 */
export function lookupScope(reference: Reference, metadata: Scope): Scope {
  if (reference.scope !== 'unit') return metadata;
  const { organization, 'organizational-unit': unit } = metadata;
  return {
    ...(organization === undefined ? {} : { organization }),
    ...(unit === undefined ? {} : { 'organizational-unit': unit }),
  };
}

type Path = readonly (string | number)[];

class References {
  readonly list: Reference[] = [];

  add(
    path: Path,
    name: string | undefined,
    kinds: readonly Kind[],
    scope: ReferenceScope,
    part: 'key' | 'value' = 'value',
  ): void {
    if (name !== undefined) this.list.push({ pointer: toPointer(path), name, kinds, scope, part });
  }

  each(
    path: Path,
    names: readonly string[] | undefined,
    kinds: readonly Kind[],
    scope: ReferenceScope,
  ): void {
    names?.forEach((name, index) => {
      this.add([...path, index], name, kinds, scope);
    });
  }

  principals(path: Path, principals: Principals | undefined): void {
    this.each([...path, 'groups'], principals?.groups, ['OrganizationUserGroup'], 'organization');
    this.each([...path, 'members'], principals?.members, ['OrganizationUser'], 'organization');
  }

  permissions(path: Path, permissions: PermissionsSpec | undefined): void {
    for (const role of ['administrators', 'contributors', 'viewers'] as const) {
      this.principals([...path, role], permissions?.[role]);
    }
  }

  notifications(
    path: Path,
    notifications: readonly { deploymentConfig: string }[] | undefined,
  ): void {
    notifications?.forEach((notification, index) => {
      this.add(
        [...path, index, 'deploymentConfig'],
        notification.deploymentConfig,
        ['DeploymentConfig'],
        'project',
      );
    });
  }
}

/**
 * Every name in a manifest's spec that points at another manifest, with where to look
 * for it. This table is the one place that knows which fields are references.
 */
export function referencesOf(manifest: Manifest): readonly Reference[] {
  // Validation and the graph both ask, for every manifest: work it out once per manifest.
  let known = computed.get(manifest);
  if (known === undefined) {
    known = collectReferences(manifest);
    computed.set(manifest, known);
  }
  return known;
}

const computed = new WeakMap<Manifest, readonly Reference[]>();

function collectReferences(manifest: Manifest): readonly Reference[] {
  const refs = new References();
  const spec = ['spec'] as const;
  refs.permissions([...spec, 'permissions'], ownPermissions(manifest));
  switch (manifest.kind) {
    case 'GithubRepository':
      manifest.spec.codeOwners?.forEach((entry, index) => {
        refs.each(
          [...spec, 'codeOwners', index, 'owners'],
          entry.owners,
          ['OrganizationUserGroup', 'OrganizationUser'],
          'organization',
        );
      });
      break;
    case 'PubSub':
    case 'Bucket':
      refs.notifications([...spec, 'notifications'], manifest.spec.notifications);
      break;
    case 'PublicIngress':
      refs.principals([...spec, 'iapPermissions'], manifest.spec.iapPermissions);
      break;
    case 'HttpRoute':
    case 'GrpcRoute':
      manifest.spec.rules.forEach((rule, ruleIndex) => {
        const path = [...spec, 'rules', ruleIndex];
        rule.action.destinations.forEach((destination, index) => {
          refs.add(
            [...path, 'action', 'destinations', index, 'deploymentConfig'],
            destination.deploymentConfig,
            ['DeploymentConfig'],
            'project',
          );
        });
        rule.authorization?.forEach((entry, index) => {
          refs.principals([...path, 'authorization', index], entry);
        });
      });
      break;
    case 'DeploymentConfig':
      manifest.spec.bucketMounts?.forEach((mount, index) => {
        refs.add([...spec, 'bucketMounts', index, 'bucket'], mount.bucket, ['Bucket'], 'project');
      });
      break;
    case 'ReleaseTrack':
      for (const stages of ['preReleaseStages', 'releaseStages', 'hotfixStages'] as const) {
        manifest.spec[stages]?.forEach((stage, index) => {
          const path = [...spec, stages, index];
          refs.each([...path, 'environments'], stage.environments, ['Environment'], 'unit');
          stage.approvalPolicy?.anyOf.policies.forEach((policy, policyIndex) => {
            const group = policy.stakeholder.groupEmail;
            // An e-mail address names a group outside the repository.
            if (!group.includes('@')) {
              refs.add(
                [
                  ...path,
                  'approvalPolicy',
                  'anyOf',
                  'policies',
                  policyIndex,
                  'stakeholder',
                  'groupEmail',
                ],
                group,
                ['OrganizationUserGroup'],
                'organization',
              );
            }
          });
        });
      }
      break;
    case 'Application':
    case 'ExternalApplication': {
      if (manifest.kind === 'Application') {
        refs.add(
          [...spec, 'buildDefinition'],
          manifest.spec.buildDefinition,
          ['BuildDefinition'],
          'organization',
        );
      }
      const access = manifest.spec.accessControl;
      const path = [...spec, 'accessControl'];
      for (const secret of Object.keys(access?.secrets ?? {})) {
        refs.add([...path, 'secrets', secret], secret, ['Secret'], 'placement', 'key');
      }
      refs.add([...path, 'database', 'name'], access?.database?.name, ['Database'], 'placement');
      refs.each(
        [...path, 'pubsub', 'publishTo'],
        access?.pubsub?.publishTo,
        ['PubSub'],
        'placement',
      );
      refs.each(
        [...path, 'pubsub', 'subscribeTo'],
        access?.pubsub?.subscribeTo,
        ['PubSub'],
        'placement',
      );
      // Environments are the unit's: a callee of another unit has none in common.
      refs.each([...path, 'calls'], access?.calls, ['Application', 'ExternalApplication'], 'unit');
      break;
    }
    case 'OrganizationUser':
      manifest.spec.externalAccounts?.forEach((account, index) => {
        refs.add(
          [...spec, 'externalAccounts', index, 'sourceName'],
          account.sourceName,
          ['GithubConnection'],
          'organization',
        );
      });
      break;
    case 'OrganizationUserGroup':
      if (manifest.spec.parent !== undefined && manifest.spec.parent !== '') {
        refs.add(
          [...spec, 'parent'],
          manifest.spec.parent,
          ['OrganizationUserGroup'],
          'organization',
        );
      }
      refs.each(
        [...spec, 'members', 'users'],
        manifest.spec.members?.users,
        ['OrganizationUser'],
        'organization',
      );
      break;
    case 'ArtifactRegistry':
      refs.principals([...spec, 'permissions', 'readers'], manifest.spec.permissions?.readers);
      refs.principals([...spec, 'permissions', 'writers'], manifest.spec.permissions?.writers);
      break;
    case 'GithubConnection':
      refs.each(
        [...spec, 'administrators'],
        manifest.spec.administrators,
        ['OrganizationUser'],
        'organization',
      );
      break;
    case 'BuildDefinition':
      refs.add(
        [...spec, 'publish', 'registry'],
        manifest.spec.publish?.registry,
        ['ArtifactRegistry'],
        'organization',
      );
      refs.each(
        [...spec, 'containerize', 'registries'],
        manifest.spec.containerize?.registries,
        ['ArtifactRegistry'],
        'organization',
      );
      break;
    case 'Organization':
    case 'OrganizationalUnit':
    case 'Environment':
    case 'Project':
    case 'Secret':
    case 'Database':
    case 'ApplicationSet':
      // Their references, if any, are their permissions, listed above.
      break;
  }
  return refs.list;
}
