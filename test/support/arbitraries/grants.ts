/**
 * What derived manifests grant: people's permissions, chosen among existing groups and
 * users, and an application's access to what exists in its project.
 */
import type { Principals } from '../../../shared/core/manifests/fields.ts';
import type { AccessBlueprint } from './blueprint.ts';
import {
  choose,
  chooseOne,
  type People,
  type ProjectInstance,
  type References,
} from './organization-builder.ts';
import type { PermissionsPick, PrincipalsPick } from './picks.ts';
import type { Permissions, Spec } from './spec-fields.ts';

export function principals(chosen: PrincipalsPick, people: People, refs: References): Principals {
  return {
    ...(chosen.groups && { groups: refs.at('groups').names(chosen.groups, people.groups) }),
    ...(chosen.members && { members: refs.at('members').names(chosen.members, people.users) }),
  };
}

function permissions(chosen: PermissionsPick, people: People, refs: References): Permissions {
  return {
    ...(chosen.administrators && {
      administrators: principals(chosen.administrators, people, refs.at('administrators')),
    }),
    ...(chosen.contributors && {
      contributors: principals(chosen.contributors, people, refs.at('contributors')),
    }),
    ...(chosen.viewers && { viewers: principals(chosen.viewers, people, refs.at('viewers')) }),
  };
}

export function withPermissions(
  chosen: PermissionsPick | undefined,
  people: People,
  refs: References,
): { permissions?: Permissions } {
  return chosen === undefined
    ? {}
    : { permissions: permissions(chosen, people, refs.at('permissions')) };
}

/** Grants chosen only among what exists in the project in every environment. */
export function accessControl(
  access: AccessBlueprint,
  here: readonly ProjectInstance[],
  refs: References,
): NonNullable<Spec<'Application'>['accessControl']> {
  const common = <T>(of: (instance: ProjectInstance) => ReadonlyMap<string, T>): string[] => {
    const first = here[0];
    if (first === undefined) return [];
    return [...of(first).keys()].filter((name) => here.every((instance) => of(instance).has(name)));
  };
  const targets = <T>(name: string, of: (instance: ProjectInstance) => ReadonlyMap<string, T>) =>
    here.map((instance) => of(instance).get(name) as T);

  const result: NonNullable<Spec<'Application'>['accessControl']> = {};
  if (access.secrets) {
    const secrets: Record<string, { envVar: string }> = {};
    const available = common((instance) => instance.secrets);
    for (const [which, envVar] of access.secrets) {
      const name = chooseOne(which, available);
      if (name === undefined || Object.hasOwn(secrets, name)) continue;
      const at = refs.at('secrets', name);
      for (const target of targets(name, (instance) => instance.secrets)) {
        at.name(target, { isKey: true });
      }
      secrets[name] = { envVar };
    }
    result.secrets = secrets;
  }
  if (access.database) {
    const chosen = access.database;
    const name = chooseOne(
      chosen.database,
      common((instance) => instance.databases),
    );
    if (name !== undefined) {
      const databases = targets(name, (instance) => instance.databases);
      const schemas = (databases[0]?.schemas ?? []).filter((schema) =>
        databases.every((database) => database.schemas.includes(schema)),
      );
      const schema = chooseOne(chosen.schema, schemas);
      if (schema !== undefined) {
        for (const database of databases) {
          refs.at('database', 'name').name(database.target);
          refs.at('database', 'schema').also(database.target);
        }
        result.database = {
          name,
          schema,
          privileges: chosen.privileges,
          ...(chosen.secretSource !== undefined && {
            secretSource: { envVar: chosen.secretSource },
          }),
        };
      }
    }
  }
  if (access.pubsub) {
    const available = common((instance) => instance.topics);
    const topics = (chosen: readonly number[] | undefined, key: string) => {
      const names = choose(chosen, available);
      names.forEach((name, index) => {
        for (const target of targets(name, (instance) => instance.topics)) {
          refs.at('pubsub', key, index).name(target);
        }
      });
      return names;
    };
    result.pubsub = {
      ...(access.pubsub.publishTo && { publishTo: topics(access.pubsub.publishTo, 'publishTo') }),
      ...(access.pubsub.subscribeTo && {
        subscribeTo: topics(access.pubsub.subscribeTo, 'subscribeTo'),
      }),
    };
  }
  return result;
}
