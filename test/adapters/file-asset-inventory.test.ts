import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AssetFileReadError,
  fileAssetInventory,
  readAssetFiles,
} from '../../shared/adapters/file-asset-inventory.ts';
import {
  IAM_POLICY_ASSET_TYPES,
  RESOURCE_ASSET_TYPES,
} from '../../shared/core/drift/asset-records.ts';
import { parseAssetFile } from '../../shared/core/drift/parse-asset-file.ts';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/assets/${name}`, import.meta.url));

describe('reading files of gcloud asset output', () => {
  it('reads search-all-iam-policies --format=json', async () => {
    const { policies, resources } = await readAssetFiles([fixture('search-all-iam-policies.json')]);
    expect(resources).toEqual([]);
    expect(policies).toEqual([
      {
        asset: '//cloudresourcemanager.googleapis.com/projects/acme-shop-prod-1a2b',
        assetType: 'cloudresourcemanager.googleapis.com/Project',
        project: 'projects/400000000001',
        bindings: [
          {
            role: 'roles/pubsub.serviceAgent',
            members: ['serviceAccount:service-400000000001@gcp-sa-pubsub.iam.gserviceaccount.com'],
          },
          { role: 'roles/owner', members: ['user:mallory@gmail.com'] },
        ],
      },
      {
        asset: '//storage.googleapis.com/acme-shop-prod-exports-9f8e',
        assetType: 'storage.googleapis.com/Bucket',
        project: 'projects/400000000001',
        bindings: [
          {
            role: 'roles/storage.objectViewer',
            members: ['group:auditors@acme.example'],
            condition: {
              expression: 'request.time < timestamp("2030-01-01T00:00:00Z")',
              title: 'until 2030',
            },
          },
        ],
      },
    ]);
  });

  it('reads search-all-resources --format=json, its additional attributes as attributes', async () => {
    const { resources } = await readAssetFiles([fixture('search-all-resources.json')]);
    expect(resources.map((resource) => [resource.assetType, resource.asset])).toEqual([
      [
        'cloudresourcemanager.googleapis.com/Project',
        '//cloudresourcemanager.googleapis.com/projects/acme-shop-prod-1a2b',
      ],
      [
        'cloudresourcemanager.googleapis.com/Folder',
        '//cloudresourcemanager.googleapis.com/folders/700000000002',
      ],
      [
        'compute.googleapis.com/Address',
        '//compute.googleapis.com/projects/acme-shop-prod-1a2b/regions/europe-west1/addresses/debug-ip',
      ],
    ]);
    expect(resources[0]).toMatchObject({
      project: 'projects/400000000001',
      attributes: { projectId: 'acme-shop-prod-1a2b' },
    });
    expect(resources[1]).toEqual({
      asset: '//cloudresourcemanager.googleapis.com/folders/700000000002',
      assetType: 'cloudresourcemanager.googleapis.com/Folder',
      displayName: 'production',
      parent: '//cloudresourcemanager.googleapis.com/folders/700000000000',
      location: 'global',
      attributes: {},
    });
  });

  it('reads both content types of gcloud asset export, the project from the ancestors', async () => {
    const { policies, resources } = await readAssetFiles([
      fixture('export-iam-policy.ndjson'),
      fixture('export-resource.ndjson'),
    ]);
    expect(policies.map((policy) => [policy.asset, policy.project])).toEqual([
      ['//cloudresourcemanager.googleapis.com/projects/400000000001', 'projects/400000000001'],
      ['//cloudresourcemanager.googleapis.com/organizations/123456789012', undefined],
    ]);
    expect(policies[0]?.bindings).toEqual([
      {
        role: 'roles/editor',
        members: ['serviceAccount:400000000001-compute@developer.gserviceaccount.com'],
      },
      { role: 'roles/run.invoker', members: ['allUsers'] },
    ]);
    expect(resources[0]).toMatchObject({
      asset: '//cloudresourcemanager.googleapis.com/projects/400000000001',
      parent: '//cloudresourcemanager.googleapis.com/folders/700000000002',
      attributes: { projectId: 'acme-shop-prod-1a2b', projectNumber: '400000000001' },
    });
    expect(resources[1]).toMatchObject({
      assetType: 'iam.googleapis.com/ServiceAccountKey',
      project: 'projects/400000000001',
      location: 'global',
      attributes: { keyType: 'USER_MANAGED' },
    });
  });

  it('answers only the asked asset types, from every file together', async () => {
    const inventory = fileAssetInventory([
      fixture('search-all-iam-policies.json'),
      fixture('export-iam-policy.ndjson'),
      fixture('search-all-resources.json'),
    ]);
    const policies = await inventory.searchIamPolicies('organizations/1', [
      'storage.googleapis.com/Bucket',
    ]);
    expect(policies.map((policy) => policy.asset)).toEqual([
      '//storage.googleapis.com/acme-shop-prod-exports-9f8e',
    ]);
    expect(
      await inventory.searchIamPolicies('organizations/1', IAM_POLICY_ASSET_TYPES),
    ).toHaveLength(4);
    expect(await inventory.searchResources('organizations/1', RESOURCE_ASSET_TYPES)).toHaveLength(
      3,
    );
  });

  it('reads an empty export and an empty search as nothing', () => {
    expect(parseAssetFile('empty.ndjson', '')).toEqual({
      ok: true,
      assets: { policies: [], resources: [] },
    });
    expect(parseAssetFile('empty.json', '[]\n')).toEqual({
      ok: true,
      assets: { policies: [], resources: [] },
    });
  });
});

describe('a file that is not gcloud asset output', () => {
  const cases: readonly {
    name: string;
    text: string;
    line: number;
    column: number;
    message: RegExp;
  }[] = [
    {
      name: 'an element of a search without its policy bindings as a list',
      text: '[\n  {\n    "resource": "//storage.googleapis.com/b",\n    "assetType": "storage.googleapis.com/Bucket",\n    "policy": {}\n  },\n  {\n    "assetType": "storage.googleapis.com/Bucket",\n    "policy": {"bindings": "roles/owner"},\n    "resource": "//storage.googleapis.com/c"\n  }\n]\n',
      line: 7,
      column: 3,
      message:
        /^search-all-iam-policies result at policy\.bindings: expected Array, found "roles\/owner"$/,
    },
    {
      name: 'a JSON syntax error in a search',
      text: '[\n  {\n    "name": "x",\n    "assetType": "y",\n  }\n]\n',
      line: 5,
      column: 3,
      message: /^expected JSON, found a syntax error/,
    },
    {
      name: 'a line of an export that is not JSON',
      text: '{"name":"//storage.googleapis.com/b","asset_type":"storage.googleapis.com/Bucket","iam_policy":{}}\n{"name": oops}\n',
      line: 2,
      column: 1,
      message: /^expected one JSON object per line \(gcloud asset export\), found a syntax error/,
    },
    {
      name: 'an export line of neither content type',
      text: '\n{"name":"//storage.googleapis.com/b","asset_type":"storage.googleapis.com/Bucket","access_policy":{}}\n',
      line: 2,
      column: 1,
      message:
        /^expected a result of gcloud asset search-all-iam-policies \(resource, policy\), search-all-resources \(name, assetType\) or export \(name, iam_policy or resource\), found an object with keys name, asset_type, access_policy$/,
    },
    {
      name: 'a member that is not a string',
      text: '{"name":"//storage.googleapis.com/b","asset_type":"storage.googleapis.com/Bucket","iam_policy":{"bindings":[{"role":"roles/owner","members":[7]}]}}\n',
      line: 1,
      column: 1,
      message:
        /^iam-policy export line at iam_policy\.bindings\.0\.members\.0: expected string, found 7$/,
    },
    {
      name: 'a search whose elements are not objects',
      text: '["//storage.googleapis.com/b"]',
      line: 1,
      column: 2,
      message: /^expected an asset object, found "\/\/storage/,
    },
  ];

  it.each(cases)('is refused with its file and line: $name', ({ text, line, column, message }) => {
    const result = parseAssetFile('assets/bad.json', text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ file: 'assets/bad.json', line, column });
    expect(result.error.message).toMatch(message);
  });

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infrastream-assets-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('throws an error that names the file, line and column', async () => {
    const path = join(dir, 'export.ndjson');
    await writeFile(path, '{"name":"x","asset_type":"y","resource":{"data":[]}}\n');
    const failure = await readAssetFiles([path]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AssetFileReadError);
    expect((failure as Error).message).toBe(
      `${path}:1:1: resource export line at resource.data: expected Object, found Array`,
    );
  });
});
