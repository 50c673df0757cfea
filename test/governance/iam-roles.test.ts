import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  forbiddenRoles,
  peopleRoles,
  secretRoles,
  workloadRoles,
} from '../../shared/core/governance/iam-roles.ts';

const everyRole = [
  ...Object.values(peopleRoles).flat(),
  ...Object.values(secretRoles).flat(),
  ...Object.values(workloadRoles),
];

describe('the IAM role table', () => {
  it('holds no basic role and no role that changes IAM or impersonates', () => {
    expect(everyRole.filter((role) => forbiddenRoles.has(role))).toEqual([]);
    expect(
      everyRole.filter(
        (role) =>
          /admin$/i.test(role) &&
          role !== 'roles/alloydb.admin' &&
          role !== 'roles/storage.objectAdmin',
      ),
    ).toEqual([]);
    expect(
      everyRole.filter((role) => /serviceAccount|securityAdmin|IamAdmin|tokenCreator/i.test(role)),
    ).toEqual([]);
  });

  it('gives people no way to read secret values', () => {
    const people = [...Object.values(peopleRoles).flat(), ...Object.values(secretRoles).flat()];
    expect(people).not.toContain(workloadRoles.secretAccessor);
    expect(peopleRoles.administrators).toContain('roles/secretmanager.secretVersionAdder');
  });

  it('gives viewers no role that reads data', () => {
    // Predefined roles that carry a permission reading data, by that permission (from
    // Google Cloud's IAM roles and permissions reference). A viewer role is none of them.
    const dataReaders: Readonly<Record<string, readonly string[]>> = {
      'storage.objects.get': [
        'roles/storage.objectViewer',
        'roles/storage.objectUser',
        'roles/storage.objectAdmin',
        'roles/storage.legacyObjectReader',
        'roles/storage.legacyObjectOwner',
        'roles/storage.admin',
      ],
      'bigquery.tables.getData': [
        'roles/bigquery.dataViewer',
        'roles/bigquery.dataEditor',
        'roles/bigquery.dataOwner',
        'roles/bigquery.admin',
      ],
      'secretmanager.versions.access': [
        'roles/secretmanager.secretAccessor',
        'roles/secretmanager.admin',
      ],
      'pubsub.subscriptions.consume': [
        'roles/pubsub.subscriber',
        'roles/pubsub.editor',
        'roles/pubsub.admin',
      ],
      'alloydb.instances.connect': [
        'roles/alloydb.client',
        'roles/alloydb.databaseUser',
        'roles/alloydb.admin',
      ],
      'cloudsql.instances.connect': [
        'roles/cloudsql.client',
        'roles/cloudsql.instanceUser',
        'roles/cloudsql.editor',
        'roles/cloudsql.admin',
      ],
      'spanner.databases.read': [
        'roles/spanner.databaseReader',
        'roles/spanner.databaseUser',
        'roles/spanner.databaseAdmin',
      ],
      'datastore.entities.get': [
        'roles/datastore.viewer',
        'roles/datastore.user',
        'roles/datastore.owner',
      ],
      'logging.privateLogEntries.list': ['roles/logging.privateLogViewer', 'roles/logging.admin'],
      'artifactregistry.repositories.downloadArtifacts': [
        'roles/artifactregistry.reader',
        'roles/artifactregistry.writer',
        'roles/artifactregistry.repoAdmin',
        'roles/artifactregistry.admin',
      ],
      'cloudkms.cryptoKeyVersions.useToDecrypt': [
        'roles/cloudkms.cryptoKeyDecrypter',
        'roles/cloudkms.cryptoKeyEncrypterDecrypter',
      ],
      'run.routes.invoke': ['roles/run.invoker', 'roles/run.admin'],
      'iap.webServiceVersions.accessViaIAP': ['roles/iap.httpsResourceAccessor'],
    };
    const viewers = [...peopleRoles.viewers, ...secretRoles.viewers];
    expect(
      Object.entries(dataReaders).flatMap(([permission, roles]) =>
        roles.filter((role) => viewers.includes(role)).map((role) => `${role} (${permission})`),
      ),
    ).toEqual([]);
  });

  it('is the table docs/governance.md shows', async () => {
    const docs = await readFile(new URL('../../docs/governance.md', import.meta.url), 'utf8');
    for (const [level, roles] of Object.entries(peopleRoles)) {
      const row = new RegExp(`^\\| ${level} \\| (.*) \\|$`, 'm').exec(docs)?.[1];
      expect([level, row?.split(', ').map((role) => `roles/${role}`)]).toEqual([level, roles]);
    }
  });
});
