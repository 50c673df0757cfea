// terraform validate, as far as it goes without the google provider (which cannot be downloaded
// where the tests run): infra/, infra/bootstrap/ and every module under terraform-modules/ are
// checked against the provider's schema as the prebuilt bindings of the same version carry it
// (test/fixtures/google-provider-schema.json), and the builder image mirrors that version.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkFolder,
  providerSchemaPath,
  terraformRoots,
  usedProviderTypes,
  type ProviderSchema,
} from './provider-schema.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schema = JSON.parse(await readFile(join(root, providerSchemaPath), 'utf8')) as ProviderSchema;

describe('the provider schema check', () => {
  it('INFRASTREAM_INFRA_SCHEMA: every root and module fits the google provider schema', async () => {
    for (const folder of await terraformRoots(root)) {
      expect(await checkFolder(root, folder, schema), relative(root, folder)).toEqual([]);
    }
  });

  it('INFRASTREAM_INFRA_SCHEMA_COVERS: the schema holds exactly the types the configuration uses', async () => {
    const used = await usedProviderTypes(terraformRoots(root));
    expect(Object.keys(schema.resource).sort()).toEqual([...used.resource].sort());
    expect(Object.keys(schema.data).sort()).toEqual([...used.data].sort());
  });

  it('INFRASTREAM_INFRA_SCHEMA_VERSION: is the version the builder image mirrors', async () => {
    const lock = await readFile(join(root, 'builder/terraform/.terraform.lock.hcl'), 'utf8');
    expect(lock).toContain(`provider "${schema.provider}" {\n  version     = "${schema.version}"`);
  });

  it('says what is wrong with a block that does not fit', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'schema-'));
    await writeFile(
      join(folder, 'main.tf'),
      [
        'resource "google_pubsub_topic" "t" {',
        '  project = "p"',
        '  colour  = "blue"',
        '  message_storage_policy {',
        '    enforce_in_transit = true',
        '  }',
        '}',
        'resource "google_service_account" "a" {',
        '  account_id = google_pubsub_topic.t.colour',
        '}',
        'data "google_project" "p" {}',
      ].join('\n'),
    );
    const where = relative(root, join(folder, 'main.tf'));
    expect(await checkFolder(root, folder, schema)).toEqual([
      `${where}: google_pubsub_topic.t: unexpected argument "colour"`,
      `${where}: google_pubsub_topic.t.message_storage_policy: missing argument "allowed_persistence_regions"`,
      `${where}: google_pubsub_topic.t: missing argument "name"`,
      `${where}: google_pubsub_topic has no attribute "colour"`,
    ]);
  });
});
