import type { LiveAssets } from './asset-records.ts';

/**
 * How far a reading of the inventory reaches for one kind of record: `organization` when
 * it holds what only a reading of the whole organization holds, `narrower` when it holds
 * records of the kind but none of those, `none` when it holds none of the kind.
 */
export type AssetReach = 'organization' | 'narrower' | 'none';

const ORGANIZATION = /(^|\/)organizations\/[^/]+$/;

/**
 * How far files of gcloud's output reach, told from what they hold since gcloud does not
 * print the scope it searched: IAM policies reach the organization when they include the
 * organization's own policy (a folder or project search never returns it), resources when
 * they include a folder or project whose parent is the organization (a project's search
 * returns none above it).
 */
export function assetFileReach(assets: LiveAssets): {
  readonly policies: AssetReach;
  readonly resources: AssetReach;
} {
  const policies =
    assets.policies.length === 0
      ? 'none'
      : assets.policies.some(
            (policy) =>
              policy.assetType === 'cloudresourcemanager.googleapis.com/Organization' &&
              ORGANIZATION.test(policy.asset),
          )
        ? 'organization'
        : 'narrower';
  const resources =
    assets.resources.length === 0
      ? 'none'
      : assets.resources.some(
            (resource) =>
              resource.parent !== undefined &&
              ORGANIZATION.test(resource.parent) &&
              (resource.assetType === 'cloudresourcemanager.googleapis.com/Folder' ||
                resource.assetType === 'cloudresourcemanager.googleapis.com/Project'),
          )
        ? 'organization'
        : 'narrower';
  return { policies, resources };
}
