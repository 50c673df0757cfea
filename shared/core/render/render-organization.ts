import { workloadRoles } from '../governance/iam-roles.ts';
import {
  bindingsOn,
  iamMap,
  memberOf,
  membersWith,
  moduleSource,
  nameOf,
  resourcesOf,
  type RenderContext,
} from './render-context.ts';
import { egressProxySubnet, folderDisplayName } from '../naming/cloud-names.ts';
import { hashedLabel, moduleLabel } from '../naming/terraform-labels.ts';
import { movedModules } from './moved-modules.ts';
import { identifier, reference, type TerraformValue } from './terraform-json.ts';

/**
 * The organization workspace: a folder per unit and per environment with their IAM, the
 * organization's IAM on the parent folder, artifact registries and the network hub, whose
 * outputs the project workspaces read. GitHub repositories and Cloud Identity groups are not rendered here.
 */
export function renderOrganization(context: RenderContext): Record<string, TerraformValue> {
  const { config } = context;
  const module: Record<string, TerraformValue> = {};
  const folders: Record<string, TerraformValue> = {};

  for (const folder of resourcesOf(context, 'folder')) {
    const path = nameOf(folder.address);
    const [unit = '', environment] = path.split('.');
    const label = moduleLabel(folder.address);
    module[label] = {
      source: moduleSource(config, 'folder'),
      display_name: folderDisplayName(
        folder.address,
        folder.attributes['displayName'] as string | undefined,
      ),
      parent:
        environment === undefined
          ? config.parentFolder
          : reference('module', identifier('folder', unit), 'name'),
      iam: iamMap(context, folder.address),
    };
    folders[path] = reference('module', label, 'folder_id');
  }

  for (const registry of resourcesOf(context, 'artifact_registry')) {
    const name = nameOf(registry.address);
    module[moduleLabel(registry.address)] = {
      source: moduleSource(config, 'artifact-registry'),
      project_id: config.hub.projectId,
      location: config.hub.region,
      repository_id: name,
      format: registry.attributes['type'] ?? 'DOCKER',
      reader_members: membersWith(context, registry.address, workloadRoles.registryReader),
      writer_members: membersWith(context, registry.address, workloadRoles.registryWriter),
    };
  }

  // The proxy takes its address from a subnet of its own, the range the projects' firewalls
  // open as `egress-proxy`; the workloads' subnets are keyed by region, which it is not.
  const proxySubnet = egressProxySubnet(config.hub.network);
  module['network_hub'] = {
    source: moduleSource(config, 'network-hub'),
    project_id: config.hub.projectId,
    name: config.hub.network,
    region: config.hub.region,
    subnets: {
      ...Object.fromEntries(
        Object.entries(config.hub.subnets).map(([region, range]) => [
          region,
          { region, ip_cidr_range: range },
        ]),
      ),
      [proxySubnet]: { region: config.hub.region, ip_cidr_range: config.hub.proxySubnetCidr },
    },
    proxy_only_cidr: config.hub.proxyOnlyCidr,
    swg_subnet: proxySubnet,
    swg_certificate_urls: config.hub.certificateUrls,
    // Each project's allowlist is its own workspace's: the hub allows nothing itself.
    allowed_hosts: [],
    database_range_name: config.hub.databaseRange,
  };

  // The organization's people roles are granted on the parent folder, which holds every folder
  // and project the workspaces make: on the organization they would also reach Infrastream's own
  // projects (its state, its functions' source, its secrets' metadata), and Google Cloud cannot
  // grant a role on an organization except for some of its projects.
  const organizationIam: Record<string, TerraformValue> = {};
  for (const organization of resourcesOf(context, 'organization')) {
    for (const binding of bindingsOn(context, organization.address)) {
      const member = memberOf(binding.member, config);
      if (member === undefined) continue;
      // Keyed by what the binding is, so that adding one never renames another.
      organizationIam[hashedLabel('binding', `${binding.role} ${binding.member}`)] = {
        folder: config.parentFolder,
        role: binding.role,
        member,
      };
    }
  }

  return {
    module,
    ...movedModules(Object.keys(module)),
    ...(Object.keys(organizationIam).length > 0
      ? { resource: { google_folder_iam_member: organizationIam } }
      : {}),
    output: {
      folders: { value: folders },
      network: {
        value: {
          id: reference('module', 'network_hub', 'network_id'),
          subnets: reference('module', 'network_hub', 'subnet_ids'),
          // A rule names its policy by name, in the hub project and region.
          proxy_policy: reference('module', 'network_hub', 'secure_web_proxy_policy_name'),
        },
      },
    },
  };
}
