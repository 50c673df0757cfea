import type { LiveIamPolicy, LiveResource } from '../core/drift/asset-records.ts';

/**
 * What Cloud Asset Inventory holds under a scope, normalized: read live through the API,
 * or from files of gcloud's output. Read-only.
 */
export interface AssetInventory {
  /** The IAM policies of the resources of these types under `scope` (`organizations/<id>`). */
  searchIamPolicies(scope: string, assetTypes: readonly string[]): Promise<LiveIamPolicy[]>;
  /** The resources of these types under `scope`. */
  searchResources(scope: string, assetTypes: readonly string[]): Promise<LiveResource[]>;
}
