import type { AssetServiceClient, protos } from '@google-cloud/asset';
import type { Json } from '../core/governance/governance-model.ts';
import type { LiveBinding, LiveIamPolicy, LiveResource } from '../core/drift/asset-records.ts';
import type { AssetInventory } from '../ports/asset-inventory.ts';
import { googleApiError } from './google-api-error.ts';

type SearchedPolicy = protos.google.cloud.asset.v1.IIamPolicySearchResult;
type SearchedResource = protos.google.cloud.asset.v1.IResourceSearchResult;
type Value = protos.google.protobuf.IValue;

/**
 * Results per page: 500 is the most either search returns per page ("Page size is capped
 * at 500 even if a larger value is given", SearchAllIamPoliciesRequest and
 * SearchAllResourcesRequest reference), so a sweep makes the fewest requests it can.
 * Quotas (https://cloud.google.com/asset-inventory/docs/quota): SearchAllIamPolicies and
 * SearchAllResources each 400 requests a minute per consumer project, and 3,000 and 1,500
 * a minute per organization. One sweep pages each search sequentially (a page token
 * is only known once the page before it has come), the two searches side by side: two
 * requests in flight at most. A sweep of 100,000 bindings in 500-binding policies or
 * fewer is then a few hundred requests at the very most, spread over the time the pages
 * take; the client's own retry settings back off on UNAVAILABLE.
 */
export const ASSET_SEARCH_PAGE_SIZE = 500;

// The async iterators fetch one page at a time whatever this says; saying it spares a
// warning per call.
const PAGED = { autoPaginate: false };

/**
 * The inventory read live through `@google-cloud/asset`: `searchAllIamPolicies` and
 * `searchAllResources` on the scope, paged, only the asset types asked for.
 */
export function grpcAssetInventory(client: AssetServiceClient): AssetInventory {
  return {
    async searchIamPolicies(scope, assetTypes) {
      const policies: LiveIamPolicy[] = [];
      try {
        for await (const result of client.searchAllIamPoliciesAsync(
          {
            scope,
            assetTypes: [...assetTypes],
            pageSize: ASSET_SEARCH_PAGE_SIZE,
          },
          PAGED,
        ))
          policies.push(policyOf(result));
      } catch (error) {
        throw googleApiError(
          'Cloud Asset Inventory',
          `searching the IAM policies of ${scope}`,
          error,
        );
      }
      return policies;
    },
    async searchResources(scope, assetTypes) {
      const resources: LiveResource[] = [];
      try {
        for await (const result of client.searchAllResourcesAsync(
          {
            scope,
            assetTypes: [...assetTypes],
            pageSize: ASSET_SEARCH_PAGE_SIZE,
          },
          PAGED,
        ))
          resources.push(resourceOf(result));
      } catch (error) {
        throw googleApiError('Cloud Asset Inventory', `searching the resources of ${scope}`, error);
      }
      return resources;
    },
  };
}

function policyOf(result: SearchedPolicy): LiveIamPolicy {
  const bindings: LiveBinding[] = (result.policy?.bindings ?? []).map((binding) => {
    const expression = binding.condition?.expression;
    const title = binding.condition?.title;
    return {
      role: binding.role ?? '',
      members: binding.members ?? [],
      ...(expression ? { condition: { expression, ...(title ? { title } : {}) } } : {}),
    };
  });
  return {
    asset: result.resource ?? '',
    assetType: result.assetType ?? '',
    ...(result.project ? { project: result.project } : {}),
    bindings,
  };
}

function resourceOf(result: SearchedResource): LiveResource {
  const fields = result.additionalAttributes?.fields ?? {};
  return {
    asset: result.name ?? '',
    assetType: result.assetType ?? '',
    ...(result.project ? { project: result.project } : {}),
    ...(result.displayName ? { displayName: result.displayName } : {}),
    ...(result.parentFullResourceName ? { parent: result.parentFullResourceName } : {}),
    ...(result.location ? { location: result.location } : {}),
    attributes: Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [key, jsonOf(value)]),
    ),
  };
}

/**
 * A `google.protobuf.Value` as the JSON it stands for. Decoded messages answer every
 * field of the `kind` oneof with its default, so the one set is read from `kind`.
 */
function jsonOf(value: Value): Json {
  switch ((value as { kind?: string }).kind) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'numberValue':
      return value.numberValue ?? 0;
    case 'boolValue':
      return value.boolValue ?? false;
    case 'listValue':
      return (value.listValue?.values ?? []).map(jsonOf);
    case 'structValue':
      return Object.fromEntries(
        Object.entries(value.structValue?.fields ?? {}).map(([key, item]) => [key, jsonOf(item)]),
      );
    default:
      return null;
  }
}
