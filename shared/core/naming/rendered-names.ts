import type { Provenance, WorkspaceModel } from '../governance/governance-model.ts';
import { workloadRoles } from '../governance/iam-roles.ts';
import { ORGANIZATION_WORKSPACE } from '../governance/workspace-id.ts';
import {
  BASELINE_FIREWALL_RULES,
  bucketNameHash,
  cloudRunServiceName,
  deadLetterName,
  egressRuleName,
  firewallRuleName,
  folderDisplayName,
  projectIdHash,
  secretId,
  serviceAccountId,
  subscriptionName,
  topicName,
  workspaceLabel,
} from './cloud-names.ts';
import type { GeneratedName } from './generated-name.ts';
import { addressParts, nameOf } from './model-addresses.ts';
import {
  grantKey,
  hasModule,
  hashedLabel,
  moduleLabel,
  terraformLabel,
} from './terraform-labels.ts';

/** The `for_each` maps of member keys a module takes, by the role they grant. */
const MEMBER_MAPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  artifact_registry: {
    [workloadRoles.registryReader]: 'reader_members',
    [workloadRoles.registryWriter]: 'writer_members',
  },
  cloud_run_service: { [workloadRoles.invoker]: 'invoker_members' },
  secret: { [workloadRoles.secretAccessor]: 'accessor_members' },
  pubsub_topic: { [workloadRoles.publisher]: 'publisher_members' },
};

/** Resources whose module takes every grant on them as one `iam` map. */
const IAM_MAPS = new Set(['folder', 'project', 'bucket']);

/**
 * Every name the renderer writes for one workspace, with the functions it writes them
 * with: Terraform labels and `for_each` keys, Google Cloud names and ids, folder display
 * names. Each is owned by the model resource, grant, rule or egress entry it is written
 * for; project ids and bucket names by the hash they end with, which alone tells two
 * apart.
 * Inside the public-ingress module call, the route rendering names its own backends.
 */
export function renderedNames(workspace: WorkspaceModel): GeneratedName[] {
  const id = workspace.id;
  const names: GeneratedName[] = [];
  const add = (namespace: string, name: string, owner: string, cause: Provenance) => {
    names.push({ namespace, name, owner, cause });
  };
  const tail = (namespace: string, hash: string, owner: string, cause: Provenance) => {
    names.push({ namespace, name: `-${hash}`, owner, cause, tail: true });
  };
  const ownerOf = (address: string) => `${address} of ${id}`;
  const label = (block: string, name: string, owner: string, cause: Provenance) => {
    add(`Terraform ${block} label in ${id}`, name, owner, cause);
  };
  const bindingsOf = groupBy(workspace.iam, (binding) => binding.resource);
  const usersOf = groupBy(
    workspace.resources.filter((resource) => resource.type === 'alloydb_user'),
    (user) => user.attributes['cluster'] as string,
  );
  const first = workspace.resources[0];
  if (first === undefined) return names;

  add('workspace label value', workspaceLabel(id), `workspace ${id}`, first.cause);
  if (id === ORGANIZATION_WORKSPACE) {
    label('module', 'network_hub', 'the network hub', first.cause);
  } else {
    const project = workspace.resources.find((resource) => resource.type === 'project') ?? first;
    label('module', 'firewall', `the firewall of ${id}`, project.cause);
    label(
      'data terraform_remote_state',
      'organization',
      `the outputs read by ${id}`,
      project.cause,
    );
    tail('project id', projectIdHash(id), ownerOf(project.address), project.cause);
    for (const rule of BASELINE_FIREWALL_RULES) {
      add(
        'firewall rule name in the hub network',
        firewallRuleName(id, rule),
        `firewall rule ${rule} of ${id}`,
        project.cause,
      );
    }
  }

  for (const resource of workspace.resources) {
    const { type, names: parts } = addressParts(resource.address);
    const name = nameOf(resource.address);
    const owner = ownerOf(resource.address);
    const cause = resource.cause;
    const module = hasModule(type) ? moduleLabel(resource.address) : undefined;
    if (module !== undefined) label('module', module, owner, cause);

    const bindings = bindingsOf.get(resource.address) ?? [];
    for (const binding of bindings) {
      const grant = `${binding.role} ${binding.member} on ${owner}`;
      const input = MEMBER_MAPS[type]?.[binding.role];
      if (module !== undefined && input !== undefined) {
        add(
          `key of ${input} of module ${module} in ${id}`,
          grantKey(binding.member),
          grant,
          binding.cause,
        );
      } else if (module !== undefined && IAM_MAPS.has(type)) {
        add(
          `key of iam of module ${module} in ${id}`,
          grantKey(binding.member, binding.role),
          grant,
          binding.cause,
        );
      } else if (type === 'secret' && module !== undefined) {
        label(
          'resource google_secret_manager_secret_iam_member',
          hashedLabel(module, `${binding.role} ${binding.member}`),
          grant,
          binding.cause,
        );
      } else if (type === 'organization') {
        label(
          'resource google_folder_iam_member',
          hashedLabel('binding', `${binding.role} ${binding.member}`),
          grant,
          binding.cause,
        );
      }
    }

    switch (type) {
      case 'folder':
        add(
          `folder display name under ${(resource.attributes['parent'] as string | undefined) ?? 'the parent folder'}`,
          folderDisplayName(resource.address, resource.attributes['displayName'] as string),
          owner,
          cause,
        );
        add(`key of output folders in ${id}`, name, owner, cause);
        break;
      case 'artifact_registry':
        add('Artifact Registry repository id in the hub project', name, owner, cause);
        break;
      case 'service_account':
        add(`service account id in ${id}`, serviceAccountId(id, name), owner, cause);
        break;
      case 'cloud_run_service':
        add(`Cloud Run service name in ${id}`, cloudRunServiceName(id, name), owner, cause);
        if (typeof resource.attributes['image'] !== 'string') {
          label(
            'data google_artifact_registry_docker_image',
            terraformLabel('image', name),
            owner,
            cause,
          );
        }
        break;
      case 'secret':
        add(`secret id in ${id}`, secretId(name), owner, cause);
        break;
      case 'pubsub_topic':
        add(`Pub/Sub topic name in ${id}`, topicName(name), owner, cause);
        add(
          `Pub/Sub topic name in ${id}`,
          deadLetterName(name),
          `the dead letters of ${owner}`,
          cause,
        );
        add(
          `Pub/Sub subscription name in ${id}`,
          deadLetterName(name),
          `the dead letters of ${owner}`,
          cause,
        );
        break;
      case 'pubsub_subscription': {
        const [source = '', service = ''] = parts;
        add(`Pub/Sub subscription name in ${id}`, subscriptionName(source, service), owner, cause);
        break;
      }
      case 'alloydb_cluster':
        add(`AlloyDB cluster id in ${id}`, name, owner, cause);
        for (const user of usersOf.get(resource.address) ?? []) {
          add(
            `key of iam_users of module ${module ?? ''} in ${id}`,
            grantKey(user.attributes['member'] as string),
            ownerOf(user.address),
            user.cause,
          );
        }
        break;
      case 'bucket':
        tail('bucket name', bucketNameHash(id, name), owner, cause);
        break;
      default:
        break;
    }
  }

  for (const rule of workspace.firewall) {
    if (rule.action !== 'allow') continue;
    add(
      'firewall rule name in the hub network',
      firewallRuleName(id, rule.name),
      `firewall rule ${rule.name} of ${id}`,
      rule.cause,
    );
  }
  for (const entry of workspace.egress) {
    const owner = `egress to ${entry.destination} of ${id}`;
    label(
      'resource google_network_security_gateway_security_policy_rule',
      hashedLabel('egress', entry.destination),
      owner,
      entry.cause,
    );
    add('egress proxy rule name', egressRuleName(id, entry.destination), owner, entry.cause);
  }
  return names;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group === undefined) groups.set(key(item), [item]);
    else group.push(item);
  }
  return groups;
}
