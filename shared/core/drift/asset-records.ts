import type { Json } from '../governance/governance-model.ts';

/** One binding of a live IAM policy: a role, its members, and the condition it holds under. */
export interface LiveBinding {
  readonly role: string;
  readonly members: readonly string[];
  /** A CEL condition: a conditional grant is a grant of its own, never the unconditional one. */
  readonly condition?: { readonly expression: string; readonly title?: string };
}

/**
 * The IAM policy set directly on one resource, as Cloud Asset Inventory reports it,
 * whichever way it was read (a search, an export file, the API).
 */
export interface LiveIamPolicy {
  /** The full resource name, such as `//storage.googleapis.com/my-bucket`. */
  readonly asset: string;
  readonly assetType: string;
  /** `projects/<number>` of the project holding the resource; absent for folders and the organization. */
  readonly project?: string;
  readonly bindings: readonly LiveBinding[];
}

/** One resource, as Cloud Asset Inventory reports it, with the attributes the analysis reads. */
export interface LiveResource {
  readonly asset: string;
  readonly assetType: string;
  /** `projects/<number>`, as for {@link LiveIamPolicy}. */
  readonly project?: string;
  readonly displayName?: string;
  /** The full resource name of the parent (a folder's folder or organization). */
  readonly parent?: string;
  readonly location?: string;
  /**
   * A search's `additionalAttributes`, or an export's `resource.data`: the resource's own
   * fields (`projectId`, `keyType`, `addressType`…), as the service names them.
   */
  readonly attributes: { readonly [key: string]: Json };
}

/** What one read of the inventory gave. */
export interface LiveAssets {
  readonly policies: readonly LiveIamPolicy[];
  readonly resources: readonly LiveResource[];
}

/** The asset types whose IAM policies the analysis compares with the desired state. */
export const IAM_POLICY_ASSET_TYPES = [
  'cloudresourcemanager.googleapis.com/Organization',
  'cloudresourcemanager.googleapis.com/Folder',
  'cloudresourcemanager.googleapis.com/Project',
  'storage.googleapis.com/Bucket',
  'run.googleapis.com/Service',
  'secretmanager.googleapis.com/Secret',
  'pubsub.googleapis.com/Topic',
  'artifactregistry.googleapis.com/Repository',
  'iam.googleapis.com/ServiceAccount',
] as const;

/**
 * The resource types the analysis reads: projects and folders to resolve names (a folder
 * is known by number, a project by number or id), the rest to find what no workspace
 * declares.
 */
export const RESOURCE_ASSET_TYPES = [
  'cloudresourcemanager.googleapis.com/Project',
  'cloudresourcemanager.googleapis.com/Folder',
  'iam.googleapis.com/ServiceAccountKey',
  'compute.googleapis.com/Firewall',
  'compute.googleapis.com/Address',
  'compute.googleapis.com/GlobalAddress',
  'storage.googleapis.com/Bucket',
  'run.googleapis.com/Service',
] as const;
