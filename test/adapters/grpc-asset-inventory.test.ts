import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { GoogleApiError } from '../../shared/adapters/google-api-error.ts';
import {
  ASSET_SEARCH_PAGE_SIZE,
  grpcAssetInventory,
} from '../../shared/adapters/grpc-asset-inventory.ts';
import {
  IAM_POLICY_ASSET_TYPES,
  RESOURCE_ASSET_TYPES,
} from '../../shared/core/drift/asset-records.ts';
import {
  startLoopbackAssetService,
  type LoopbackAssetService,
} from '../support/loopback-asset-service.ts';

const SCOPE = 'organizations/123456789012';
const POLICIES = 1203;

/** Policies on buckets, each with one grant, plus one on a Compute instance no sweep asks for. */
const policies = [
  ...Array.from({ length: POLICIES }, (_, index) => ({
    resource: `//storage.googleapis.com/bucket-${index}`,
    asset_type: 'storage.googleapis.com/Bucket',
    project: 'projects/400000000001',
    policy: {
      bindings: [
        {
          role: 'roles/storage.objectViewer',
          members: [`user:user${index}@example.com`],
          ...(index === 0
            ? {
                condition: {
                  expression: 'request.time < timestamp("2030-01-01T00:00:00Z")',
                  title: 'until 2030',
                },
              }
            : {}),
        },
      ],
    },
  })),
  {
    resource: '//compute.googleapis.com/projects/p/zones/z/instances/i',
    asset_type: 'compute.googleapis.com/Instance',
    policy: { bindings: [{ role: 'roles/compute.admin', members: ['user:x@example.com'] }] },
  },
];
const resources = [
  {
    name: '//iam.googleapis.com/projects/shop-prod/serviceAccounts/100/keys/abc',
    asset_type: 'iam.googleapis.com/ServiceAccountKey',
    project: 'projects/400000000001',
    display_name: 'abc',
    location: 'global',
    additional_attributes: {
      fields: {
        keyType: { stringValue: 'USER_MANAGED' },
        validAfter: { numberValue: 3 },
        disabled: { boolValue: false },
        labels: { listValue: { values: [{ stringValue: 'a' }, { nullValue: 'NULL_VALUE' }] } },
        nested: { structValue: { fields: { b: { stringValue: 'c' } } } },
      },
    },
  },
  {
    name: '//cloudresourcemanager.googleapis.com/folders/700',
    asset_type: 'cloudresourcemanager.googleapis.com/Folder',
    display_name: 'Shipping',
    parent_full_resource_name: '//cloudresourcemanager.googleapis.com/organizations/123456789012',
  },
];

describe('the Cloud Asset Inventory client adapter, against a loopback gRPC server', () => {
  let server: LoopbackAssetService;
  beforeAll(async () => {
    server = await startLoopbackAssetService({ policies, resources });
  });
  afterAll(async () => {
    await server.close();
  });

  it('pages through every IAM policy of the asked types, 500 a page', async () => {
    const before = server.requests.length;
    const inventory = grpcAssetInventory(server.client());
    const found = await inventory.searchIamPolicies(SCOPE, IAM_POLICY_ASSET_TYPES);

    expect(found).toHaveLength(POLICIES);
    const sent = server.requests.slice(before);
    expect(sent.map((request) => request.page_token)).toEqual(['', '500', '1000']);
    for (const request of sent) {
      expect(request).toMatchObject({
        method: 'SearchAllIamPolicies',
        scope: SCOPE,
        page_size: ASSET_SEARCH_PAGE_SIZE,
        asset_types: [...IAM_POLICY_ASSET_TYPES],
      });
    }
    expect(found[0]).toEqual({
      asset: '//storage.googleapis.com/bucket-0',
      assetType: 'storage.googleapis.com/Bucket',
      project: 'projects/400000000001',
      bindings: [
        {
          role: 'roles/storage.objectViewer',
          members: ['user:user0@example.com'],
          condition: {
            expression: 'request.time < timestamp("2030-01-01T00:00:00Z")',
            title: 'until 2030',
          },
        },
      ],
    });
    expect(found[1]?.bindings[0]).toEqual({
      role: 'roles/storage.objectViewer',
      members: ['user:user1@example.com'],
    });
  });

  it('reads resources with their additional attributes as plain JSON', async () => {
    const inventory = grpcAssetInventory(server.client());
    const found = await inventory.searchResources(SCOPE, RESOURCE_ASSET_TYPES);

    expect(server.requests.at(-1)).toMatchObject({
      method: 'SearchAllResources',
      asset_types: [...RESOURCE_ASSET_TYPES],
      page_size: ASSET_SEARCH_PAGE_SIZE,
    });
    expect(found).toEqual([
      {
        asset: '//iam.googleapis.com/projects/shop-prod/serviceAccounts/100/keys/abc',
        assetType: 'iam.googleapis.com/ServiceAccountKey',
        project: 'projects/400000000001',
        displayName: 'abc',
        location: 'global',
        attributes: {
          keyType: 'USER_MANAGED',
          validAfter: 3,
          disabled: false,
          labels: ['a', null],
          nested: { b: 'c' },
        },
      },
      {
        asset: '//cloudresourcemanager.googleapis.com/folders/700',
        assetType: 'cloudresourcemanager.googleapis.com/Folder',
        displayName: 'Shipping',
        parent: '//cloudresourcemanager.googleapis.com/organizations/123456789012',
        attributes: {},
      },
    ]);
  });

  it('says which search the API refused, and why', async () => {
    server.failNext(status.PERMISSION_DENIED, 'cloudasset.assets.searchAllIamPolicies denied');
    const inventory = grpcAssetInventory(server.client());
    const failure = await inventory.searchIamPolicies(SCOPE, IAM_POLICY_ASSET_TYPES).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(GoogleApiError);
    expect((failure as GoogleApiError).message).toMatch(
      /^Cloud Asset Inventory refused searching the IAM policies of organizations\/123456789012 \(PERMISSION_DENIED 7\): .*searchAllIamPolicies denied$/,
    );
  });
});
