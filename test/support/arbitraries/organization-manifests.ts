/**
 * Derives the manifests of a blueprint: the organization-wide ones here (Organization,
 * users, groups, GitHub, registries, builds), then each unit.
 */
import type { Kind } from '../../../shared/core/manifests/kinds.ts';
import type { Manifest } from '../../../shared/core/manifests/manifest.ts';
import type { OrganizationBlueprint } from './blueprint.ts';
import { principals, withPermissions } from './grants.ts';
import {
  chooseOne,
  identityOf,
  OrganizationBuilder,
  resolve,
  type People,
  type Target,
} from './organization-builder.ts';
import type { GeneratedReference } from './types.ts';
import { deriveUnit } from './units.ts';

/** Derives a valid organization from a blueprint. */
export function derive(blueprint: OrganizationBlueprint): {
  manifests: Manifest[];
  references: Omit<GeneratedReference, 'from'>[][];
} {
  const org = new OrganizationBuilder();
  const organization = blueprint.name;
  const inOrg = { organization };
  const orgTarget = (kind: Kind, name: string): Target => ({
    name,
    id: identityOf(kind, { ...inOrg, name }),
  });

  const people: People = {
    users: blueprint.users.map((user) => orgTarget('OrganizationUser', user.name)),
    groups: blueprint.groups.map((group) => orgTarget('OrganizationUserGroup', group.name)),
  };
  const connections = blueprint.connections.map((c) => orgTarget('GithubConnection', c.name));
  const registries = blueprint.registries.map((r) => orgTarget('ArtifactRegistry', r.name));

  org.add('Organization', { name: organization }, (refs) => ({
    ...blueprint.free,
    github: { organization: blueprint.github },
    ...withPermissions(blueprint.permissions, people, refs),
  }));

  for (const user of blueprint.users) {
    org.add('OrganizationUser', { name: user.name, ...inOrg }, (refs) => ({
      primaryEmail: user.primaryEmail,
      identity: user.identity,
      externalAccounts: user.accounts.map((account, index) => ({
        sourceType: 'GITHUB' as const,
        sourceName: refs
          .at('externalAccounts', index, 'sourceName')
          .name(chooseOne(account.connection, connections) as Target),
        username: account.username,
      })),
      ...(user.emailAliases && { emailAliases: user.emailAliases }),
    }));
  }

  blueprint.groups.forEach((group, index) => {
    org.add('OrganizationUserGroup', { name: group.name, ...inOrg }, (refs) => {
      const parent =
        group.parent === undefined
          ? undefined
          : group.parent === null || index === 0
            ? ''
            : refs.at('parent').name(people.groups[group.parent % index] as Target);
      const members = {
        ...(group.users && { users: refs.at('members', 'users').names(group.users, people.users) }),
        ...(group.external && { external: group.external }),
      };
      return {
        ...(group.description !== undefined && { description: group.description }),
        ...(parent !== undefined && { parent }),
        ...(Object.keys(members).length > 0 && { members }),
      };
    });
  });

  for (const connection of blueprint.connections) {
    org.add('GithubConnection', { name: connection.name, ...inOrg }, (refs) => ({
      ...connection.free,
      ...(connection.administrators && {
        administrators: refs.at('administrators').names(connection.administrators, people.users),
      }),
    }));
  }

  for (const registry of blueprint.registries) {
    org.add('ArtifactRegistry', { name: registry.name, ...inOrg }, (refs) => {
      const access = {
        ...(registry.readers && {
          readers: principals(registry.readers, people, refs.at('permissions', 'readers')),
        }),
        ...(registry.writers && {
          writers: principals(registry.writers, people, refs.at('permissions', 'writers')),
        }),
      };
      return {
        ...registry.free,
        ...(Object.keys(access).length > 0 && { permissions: access }),
      };
    });
  }

  // Repository names are unique in the organization, so any connection may hold any.
  const repositories = blueprint.repositories.map((repository) => {
    const connection = chooseOne(repository.connection, connections) as Target;
    return org.add(
      'GithubRepository',
      { name: repository.name, 'github-connection': connection.name, ...inOrg },
      (refs) => ({
        ...repository.free,
        ...(repository.codeOwners && {
          codeOwners: repository.codeOwners.map((entry, index) => {
            const owners = refs.at('codeOwners', index, 'owners');
            // Owners are groups or users; there is always a user.
            const chosen = entry.owners.map(
              ([group, which]) =>
                (group ? chooseOne(which, people.groups) : undefined) ??
                (chooseOne(which, people.users) as Target),
            );
            return {
              path: entry.path,
              owners: [...new Set(chosen)].map((target, i) =>
                owners.at(i).name(target, { hasAlternatives: true }),
              ),
            };
          }),
        }),
        ...withPermissions(repository.permissions, people, refs),
      }),
    );
  });

  // BuildDefinition names are unique in the organization: applications name them alone.
  const builds: Target[] = [];
  if (repositories.length > 0) {
    for (const build of blueprint.builds) {
      const repository = chooseOne(build.repository, blueprint.repositories);
      if (repository === undefined) continue;
      const connection = chooseOne(repository.connection, connections) as Target;
      builds.push(
        org.add(
          'BuildDefinition',
          {
            name: build.name,
            'github-repository': repository.name,
            'github-connection': connection.name,
            ...inOrg,
          },
          (refs) => {
            const publish =
              build.publish === undefined ? undefined : chooseOne(build.publish, registries);
            const containerize = build.containerize && {
              name: build.containerize.name,
              ...(build.containerize.platforms && { platforms: build.containerize.platforms }),
              ...(build.containerize.registries && {
                registries: refs
                  .at('containerize', 'registries')
                  .names(build.containerize.registries, registries),
              }),
            };
            return {
              ...build.free,
              ...(publish && {
                publish: { registry: refs.at('publish', 'registry').name(publish) },
              }),
              ...(containerize && { containerize }),
            };
          },
        ),
      );
    }
  }

  for (const unit of blueprint.units) {
    deriveUnit(org, unit, { organization, people, builds });
  }

  return {
    manifests: org.built.map((entry) => entry.manifest),
    references: resolve(org.built),
  };
}
