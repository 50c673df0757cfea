import type { Provenance, WorkspaceModel } from '../governance/governance-model.ts';
import { ORGANIZATION_WORKSPACE } from '../governance/workspace-id.ts';
import {
  BASELINE_FIREWALL_RULES,
  bucketName,
  cloudRunServiceName,
  firewallRuleName,
  folderDisplayName,
  projectId,
  secretId,
  serviceAccountId,
  topicName,
} from '../naming/cloud-names.ts';
import { nameOf } from '../naming/model-addresses.ts';
import type { RenderConfig } from '../render/render-config.ts';
import { workloadEmail } from '../render/render-context.ts';
import type { LiveResource } from './asset-records.ts';

/** A resource a workspace declares, by the full resource name the inventory knows it by. */
export interface DeclaredAsset {
  readonly workspace: string;
  readonly cause: Provenance;
}

/**
 * What the desired state says exists in Google Cloud, in Cloud Asset Inventory's names:
 * the resources workspaces declare, each grant on them, and which project is whose.
 */
export interface DesiredAssets {
  /** Declared resources by full resource name, projects by id. */
  readonly declared: ReadonlyMap<string, DeclaredAsset>;
  /** `<asset> <role> <member>` of every grant the renderer writes. */
  readonly grants: ReadonlySet<string>;
  /** The workspace that owns each project, by project id; the hub is the organization's. */
  readonly projects: ReadonlyMap<string, string>;
  /** Full names of the buckets, firewall rules and addresses the pipeline or a module makes. */
  readonly madeByModules: ReadonlySet<string>;
}

const CRM = '//cloudresourcemanager.googleapis.com';

/** The full resource name of a project, by id: how searches name it. */
export function projectAsset(id: string): string {
  return `${CRM}/projects/${id}`;
}

/**
 * The desired state in the inventory's names. Folders are known by number only, so they
 * are found among the live folders by parent and display name, as the folder module
 * makes them; a folder that does not exist yet has no name and no grant to compare.
 * Project numbers in names are read as ids beforehand (see `liveProjects`).
 */
export function desiredAssets(
  workspaces: Iterable<WorkspaceModel>,
  config: RenderConfig,
  liveFolders: readonly LiveResource[],
): DesiredAssets {
  const declared = new Map<string, DeclaredAsset>();
  const grants = new Set<string>();
  const projects = new Map<string, string>([[config.hub.projectId, ORGANIZATION_WORKSPACE]]);
  const madeByModules = new Set<string>([
    `//storage.googleapis.com/${config.state.bucket}`,
    `//storage.googleapis.com/${config.logBucket}`,
    firewall(config, `${config.hub.network}-deny-all-ingress`),
    firewall(config, `${config.hub.network}-deny-all-egress`),
  ]);
  const folderByName = new Map<string, string>();
  for (const folder of liveFolders)
    if (folder.parent !== undefined && folder.displayName !== undefined)
      folderByName.set(`${folder.parent}\n${folder.displayName}`, folder.asset);
  const folderAssets = new Map<string, string>();

  for (const workspace of workspaces) {
    const isProject = workspace.id !== ORGANIZATION_WORKSPACE;
    const project = isProject ? projectId(config.projectPrefix, workspace.id) : undefined;
    if (project !== undefined) {
      projects.set(project, workspace.id);
      for (const rule of [...BASELINE_FIREWALL_RULES, ...workspace.firewall.map((r) => r.name)])
        madeByModules.add(firewall(config, firewallRuleName(workspace.id, rule)));
    }
    const names = new Map<string, string>();
    // Folders first, units before their environments, so that a parent is known first.
    const resources = [...workspace.resources].sort(
      (a, b) =>
        Number(a.type !== 'folder') - Number(b.type !== 'folder') ||
        depth(a.address) - depth(b.address),
    );
    for (const resource of resources) {
      const name = nameOf(resource.address);
      let asset: string | undefined;
      switch (resource.type) {
        case 'organization':
          // Its grants are made on the parent folder (render-organization.ts).
          asset = `${CRM}/${config.parentFolder}`;
          break;
        case 'folder': {
          const [unit = ''] = name.split('.');
          const parent =
            name === unit ? `${CRM}/${config.parentFolder}` : folderAssets.get(`folder.${unit}`);
          const displayName = folderDisplayName(
            resource.address,
            resource.attributes['displayName'] as string | undefined,
          );
          asset = parent === undefined ? undefined : folderByName.get(`${parent}\n${displayName}`);
          if (asset !== undefined) folderAssets.set(resource.address, asset);
          break;
        }
        case 'artifact_registry':
          asset = `//artifactregistry.googleapis.com/projects/${config.hub.projectId}/locations/${config.hub.region}/repositories/${name}`;
          break;
        case 'project':
          asset = project === undefined ? undefined : projectAsset(project);
          break;
        case 'cloud_run_service':
          asset =
            project &&
            `//run.googleapis.com/projects/${project}/locations/${regionOf(resource.attributes, config)}/services/${cloudRunServiceName(workspace.id, name)}`;
          break;
        case 'secret':
          asset =
            project &&
            `//secretmanager.googleapis.com/projects/${project}/secrets/${secretId(name)}`;
          break;
        case 'pubsub_topic':
          asset =
            project && `//pubsub.googleapis.com/projects/${project}/topics/${topicName(name)}`;
          break;
        case 'bucket':
          asset = `//storage.googleapis.com/${bucketName(config.projectPrefix, workspace.id, name)}`;
          break;
        case 'public_ingress':
          // The one external address the public-ingress module reserves.
          if (project !== undefined)
            madeByModules.add(
              `//compute.googleapis.com/projects/${project}/global/addresses/${name}-address`,
            );
          break;
      }
      if (asset === undefined) continue;
      declared.set(asset, { workspace: workspace.id, cause: resource.cause });
      names.set(resource.address, asset);
    }
    for (const binding of workspace.iam) {
      const asset = names.get(binding.resource);
      const member = liveMember(binding.member, workspace.id, project, config);
      if (asset !== undefined && member !== undefined)
        grants.add(`${asset} ${binding.role} ${member}`);
    }
  }
  return { declared, grants, projects, madeByModules };
}

/**
 * A member of the model as IAM shows it once applied: people's principals as they are, a
 * workspace identity as its email. Members that are no IAM member (GitHub teams, a load
 * balancer) or that the renderer grants elsewhere give undefined.
 */
function liveMember(
  member: string,
  workspace: string,
  project: string | undefined,
  config: RenderConfig,
): string | undefined {
  const colon = member.indexOf(':');
  const type = member.slice(0, colon);
  switch (type) {
    case 'group':
    case 'user':
    case 'principal':
    case 'principalSet':
      return member;
    case 'serviceAccount': {
      const [application = '', from] = member.slice(colon + 1).split('@');
      if (from !== undefined) return `serviceAccount:${workloadEmail(config, from, application)}`;
      return project === undefined
        ? undefined
        : `serviceAccount:${serviceAccountId(workspace, application)}@${project}.iam.gserviceaccount.com`;
    }
    default:
      return undefined;
  }
}

function firewall(config: RenderConfig, name: string): string {
  return `//compute.googleapis.com/projects/${config.hub.projectId}/global/firewalls/${name}`;
}

function regionOf(
  attributes: WorkspaceModel['resources'][number]['attributes'],
  config: RenderConfig,
): string {
  const region = attributes['region'];
  return typeof region === 'string' ? region : config.hub.region;
}

function depth(address: string): number {
  return address.split('.').length;
}
