// terraform validate, as far as it goes without the google provider (which cannot be downloaded
// where the tests run): infra/, infra/bootstrap/ and every module under terraform-modules/ are
// checked against the provider's schema as the prebuilt bindings of the same version carry it
// (test/fixtures/google-provider-schema.json), and the builder image mirrors that version.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

/** A folder with the google provider, as `terraform providers mirror` lays it out. */
const mirror = process.env['INFRASTREAM_PROVIDER_MIRROR'];
const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const noTerraform = terraform.error !== undefined || terraform.status !== 0;

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

  it('INFRASTREAM_INFRA_VALIDATE: terraform validate passes for infra/ and infra/bootstrap/, with the provider from a mirror', async (context) => {
    context.skip(
      noTerraform || mirror === undefined,
      'terraform validate needs the google provider: set INFRASTREAM_PROVIDER_MIRROR to a folder filled by terraform providers mirror (the schema check stands in for it meanwhile)',
    );
    // A copy, so that init leaves no .terraform or lock file in the checkout.
    const copy = await mkdtemp(join(tmpdir(), 'validate-'));
    try {
      await cp(join(root, 'infra'), join(copy, 'infra'), { recursive: true });
      await cp(join(root, 'terraform-modules'), join(copy, 'terraform-modules'), {
        recursive: true,
      });
      for (const folder of ['infra', 'infra/bootstrap']) {
        const run = (args: string[]) =>
          spawnSync('terraform', [`-chdir=${join(copy, folder)}`, ...args], { encoding: 'utf8' });
        const init = run(['init', '-backend=false', '-input=false', `-plugin-dir=${mirror ?? ''}`]);
        expect(init.status, `${folder}: ${init.stderr}`).toBe(0);
        const validate = run(['validate', '-no-color']);
        expect(validate.status, `${folder}: ${validate.stdout}${validate.stderr}`).toBe(0);
      }
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
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
