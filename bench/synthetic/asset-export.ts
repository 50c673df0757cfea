import type { WorkspaceModel } from '../../shared/core/governance/governance-model.ts';
import { ORGANIZATION_WORKSPACE } from '../../shared/core/governance/workspace-id.ts';
import type { LiveResource } from '../../shared/core/drift/asset-records.ts';
import { desiredAssets } from '../../shared/core/drift/desired-assets.ts';
import { folderDisplayName } from '../../shared/core/naming/cloud-names.ts';
import { nameOf } from '../../shared/core/naming/model-addresses.ts';
import type { RenderConfig } from '../../shared/core/render/render-config.ts';

/** A synthetic `gcloud asset export`, both content types in one newline-delimited file. */
export interface SyntheticExport {
  readonly lines: string[];
  /** Role-member pairs across every IAM policy line. */
  readonly bindings: number;
  readonly policies: number;
  readonly resources: number;
}

const CRM = '//cloudresourcemanager.googleapis.com';
const FIRST_PROJECT_NUMBER = 400_000_000_000;
const FIRST_FOLDER_NUMBER = 700_000_000_000;

/**
 * The export Cloud Asset Inventory would give of an organization exactly as the desired
 * state describes it: every project and folder, by number as exports name them, and every
 * grant the workspaces make, grouped into one policy per resource. Secrets and projects
 * are named by project number, as their exports are, so that reading them back exercises
 * the number-to-id mapping. With `padTo`, policies on buckets of the projects are added,
 * held by Google's service agents, until there are that many bindings.
 */
export function syntheticAssetExport(
  workspaces: readonly WorkspaceModel[],
  config: RenderConfig,
  padTo = 0,
): SyntheticExport {
  const organization = `organizations/${config.organizationId}`;
  const lines: string[] = [];
  let resources = 0;
  const resource = (
    name: string,
    assetType: string,
    ancestors: string[],
    data: Record<string, unknown>,
    parent: string,
  ) => {
    resources++;
    lines.push(
      JSON.stringify({
        name,
        asset_type: assetType,
        resource: { version: 'v1', discovery_name: assetType.split('/')[1], parent, data },
        ancestors,
        update_time: '2026-01-01T00:00:00Z',
      }),
    );
  };

  // Folders: units in the configuration's parent folder, environments under their unit.
  const folders: LiveResource[] = [];
  const folderNumbers = new Map<string, string>();
  const organizationModel = workspaces.find((w) => w.id === ORGANIZATION_WORKSPACE);
  const folderModels = (organizationModel?.resources ?? [])
    .filter((r) => r.type === 'folder')
    .sort((a, b) => a.address.split('.').length - b.address.split('.').length);
  for (const folder of folderModels) {
    const number = String(FIRST_FOLDER_NUMBER + folderNumbers.size);
    folderNumbers.set(folder.address, number);
    const [unit = ''] = nameOf(folder.address).split('.');
    const parentNumber =
      folder.address === `folder.${unit}` ? undefined : folderNumbers.get(`folder.${unit}`);
    const parent =
      parentNumber === undefined
        ? `${CRM}/${config.parentFolder}`
        : `${CRM}/folders/${parentNumber}`;
    const displayName = folderDisplayName(
      folder.address,
      folder.attributes['displayName'] as string | undefined,
    );
    const ancestors = [
      `folders/${number}`,
      ...(parentNumber === undefined ? [] : [`folders/${parentNumber}`]),
      config.parentFolder,
      organization,
    ];
    resource(
      `${CRM}/folders/${number}`,
      'cloudresourcemanager.googleapis.com/Folder',
      ancestors,
      { displayName, parent: parent.slice(CRM.length + 1) },
      parent,
    );
    folders.push({
      asset: `${CRM}/folders/${number}`,
      assetType: 'cloudresourcemanager.googleapis.com/Folder',
      displayName,
      parent,
      attributes: {},
    });
  }

  const desired = desiredAssets(workspaces, config, folders);
  const projectNumbers = new Map<string, string>();
  for (const project of desired.projects.keys()) {
    const number = String(FIRST_PROJECT_NUMBER + projectNumbers.size);
    projectNumbers.set(project, number);
    resource(
      `${CRM}/projects/${number}`,
      'cloudresourcemanager.googleapis.com/Project',
      [`projects/${number}`, organization],
      { projectId: project, projectNumber: number, lifecycleState: 'ACTIVE' },
      `${CRM}/${organization}`,
    );
  }

  const byAsset = new Map<string, Map<string, string[]>>();
  for (const grant of desired.grants) {
    const [asset = '', role = '', member = ''] = grant.split(' ');
    const roles = byAsset.get(asset) ?? new Map<string, string[]>();
    byAsset.set(asset, roles);
    roles.set(role, [...(roles.get(role) ?? []), member]);
  }
  // The organization's own policy, which a reading of the whole organization always holds; none
  // of its grants is the workspaces' (theirs are on the parent folder).
  const organizationAsset = `${CRM}/${organization}`;
  if (!byAsset.has(organizationAsset)) byAsset.set(organizationAsset, new Map());
  let bindings = 0;
  let policies = 0;
  const policy = (
    asset: string,
    project: string | undefined,
    roles: ReadonlyMap<string, readonly string[]>,
  ) => {
    policies++;
    const number = project === undefined ? undefined : projectNumbers.get(project);
    const named =
      number === undefined
        ? asset
        : asset.replace(
            /^(\/\/(?:cloudresourcemanager|secretmanager)\.googleapis\.com\/projects\/)[^/]+/,
            `$1${number}`,
          );
    const ancestors = [...(number === undefined ? [] : [`projects/${number}`]), organization];
    const list = [...roles].map(([role, members]) => {
      bindings += members.length;
      return { role, members };
    });
    lines.push(
      JSON.stringify({
        name: named,
        asset_type: assetTypeOf(asset),
        iam_policy: { version: 1, bindings: list, etag: 'BwX=' },
        ancestors,
        update_time: '2026-01-01T00:00:00Z',
      }),
    );
  };
  for (const [asset, roles] of byAsset)
    policy(
      asset,
      projectOfAsset(asset, desired.declared.get(asset)?.workspace, desired.projects),
      roles,
    );

  // Padding: the buckets' policies Google's agents hold, which the analysis exempts.
  const projects = [...projectNumbers];
  for (let index = 0; bindings < padTo && projects.length > 0; index++) {
    const [project = '', number = ''] = projects[index % projects.length] ?? [];
    const members = Array.from(
      { length: Math.min(10, padTo - bindings) },
      (_, agent) => `serviceAccount:service-${number}@gcp-sa-agent${agent}.iam.gserviceaccount.com`,
    );
    policy(
      `//storage.googleapis.com/${project}-padding-${index}`,
      project,
      new Map([['roles/storage.objectViewer', members]]),
    );
  }
  return { lines, bindings, policies, resources };
}

function projectOfAsset(
  asset: string,
  workspace: string | undefined,
  projects: ReadonlyMap<string, string>,
): string | undefined {
  const named = /^\/\/[^/]+\/projects\/([^/]+)/.exec(asset)?.[1];
  if (named !== undefined) return named;
  for (const [project, owner] of projects)
    if (owner === workspace && workspace !== ORGANIZATION_WORKSPACE) return project;
  return undefined;
}

function assetTypeOf(asset: string): string {
  if (asset.includes('/organizations/')) return 'cloudresourcemanager.googleapis.com/Organization';
  if (asset.includes('/folders/')) return 'cloudresourcemanager.googleapis.com/Folder';
  if (asset.startsWith('//storage.')) return 'storage.googleapis.com/Bucket';
  if (asset.startsWith('//run.')) return 'run.googleapis.com/Service';
  if (asset.startsWith('//secretmanager.')) return 'secretmanager.googleapis.com/Secret';
  if (asset.startsWith('//pubsub.')) return 'pubsub.googleapis.com/Topic';
  if (asset.startsWith('//artifactregistry.')) return 'artifactregistry.googleapis.com/Repository';
  return 'cloudresourcemanager.googleapis.com/Project';
}
