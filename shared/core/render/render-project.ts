import { ORGANIZATION_WORKSPACE } from '../governance/workspace-id.ts';
import { workloadRoles } from '../governance/iam-roles.ts';
import type { Json, ModelResource } from '../governance/governance-model.ts';
import {
  bindingsOn,
  iamMap,
  identityEmail,
  identityModule,
  memberOf,
  membersWith,
  moduleSource,
  nameOf,
  publicDestinations,
  resourcesOf,
  type RenderContext,
} from './render-context.ts';
import {
  bucketName,
  cloudRunServiceName,
  egressRuleName,
  firewallPrefix,
  firewallRuleSuffix,
  projectId as projectIdOf,
  projectScope,
  secretId,
  serviceAccountId,
  subscriptionName,
  topicName,
} from '../naming/cloud-names.ts';
import { folderAddress } from '../naming/model-addresses.ts';
import { grantKey, hashedLabel, moduleLabel } from '../naming/terraform-labels.ts';
import {
  identifier,
  reference,
  template,
  type Expression,
  type TerraformValue,
} from './terraform-json.ts';
import { renderAllowedReplacements } from './allowed-replacements.ts';
import { renderIngress } from './render-ingress.ts';
import { containerInputs } from './render-container.ts';
import { workspaceStatePrefix } from './render-config.ts';

/** APIs every project needs for what the modules create in it. */
const APIS = [
  'alloydb.googleapis.com',
  'artifactregistry.googleapis.com',
  'compute.googleapis.com',
  'iam.googleapis.com',
  'iap.googleapis.com',
  'pubsub.googleapis.com',
  'run.googleapis.com',
  'secretmanager.googleapis.com',
  'storage.googleapis.com',
];

/**
 * A project workspace: the project in its environment's folder, its firewall in the
 * hub's network, and every identity, service, secret, topic, database, bucket, ingress
 * and egress rule the model holds for it. Folder ids and the network come from the
 * organization workspace's outputs.
 */
export function renderProject(context: RenderContext): Record<string, TerraformValue> {
  const { config, workspace } = context;
  const { unit, environment, project } = projectScope(workspace.id);
  const projectResource = resourcesOf(context, 'project')[0];
  const organization = (...path: (string | { key: string })[]) =>
    reference('data', 'terraform_remote_state', 'organization', 'outputs', ...path);
  const projectId = reference('module', 'project', 'project_id');
  const region = (resource: ModelResource): string =>
    typeof resource.attributes['region'] === 'string'
      ? resource.attributes['region']
      : config.hub.region;
  const module: Record<string, TerraformValue> = {};
  const resource: Record<string, Record<string, TerraformValue>> = {};
  const data: Record<string, Record<string, TerraformValue>> = {
    terraform_remote_state: {
      organization: {
        backend: 'gcs',
        config: {
          bucket: config.state.bucket,
          prefix: workspaceStatePrefix(config, context.repository, ORGANIZATION_WORKSPACE),
        },
      },
    },
  };
  const add = (
    group: Record<string, Record<string, TerraformValue>>,
    type: string,
    key: string,
    body: TerraformValue,
  ) => {
    (group[type] ??= {})[key] = body;
  };

  module['project'] = {
    source: moduleSource(config, 'project'),
    project_id: projectIdOf(config.projectPrefix, workspace.id),
    name: (projectResource?.attributes['displayName'] as string | undefined) ?? project,
    folder_id: organization('folders', { key: nameOf(folderAddress(unit, environment)) }),
    billing_account: config.billingAccount,
    activate_apis: APIS,
    shared_vpc_host_project_id: config.hub.projectId,
    iam: projectResource === undefined ? {} : iamMap(context, projectResource.address),
  };

  module['firewall'] = {
    source: moduleSource(config, 'project-firewall'),
    project_id: config.hub.projectId,
    network: organization('network', 'id'),
    // Rule names are `<prefix>-<rule>`, at most 63: 22 for the prefix, 40 for the rule.
    name_prefix: firewallPrefix(workspace.id),
    allow_rules: workspace.firewall
      .filter((rule) => rule.action === 'allow')
      .map((rule) => ({
        name: firewallRuleSuffix(rule.name),
        description: rule.description,
        direction: rule.direction,
        protocol: rule.protocols[0]?.protocol ?? 'tcp',
        ports: [...(rule.protocols[0]?.ports ?? [])],
        ranges: rule.ranges.map((range) =>
          range === 'egress-proxy' ? config.hub.proxySubnetCidr : range,
        ),
        target_service_accounts: (rule.targetServiceAccounts ?? []).map((member) =>
          identityEmail(member.slice('serviceAccount:'.length)),
        ),
      })),
  };

  for (const identity of resourcesOf(context, 'service_account')) {
    const name = nameOf(identity.address);
    module[identityModule(name)] = {
      source: moduleSource(config, 'app-identity'),
      project_id: projectId,
      account_id: serviceAccountId(workspace.id, name),
      display_name: name,
      description: (identity.attributes['purpose'] as string | undefined) ?? '',
    };
  }

  const publicServices = publicDestinations(context);
  for (const service of resourcesOf(context, 'cloud_run_service')) {
    const name = nameOf(service.address);
    const attributes = service.attributes;
    const scaling = (attributes['scaling'] ?? {}) as { min?: number; max?: number };
    const container = (attributes['container'] ?? {}) as {
      env?: { name: string; value: string }[];
    };
    module[moduleLabel(service.address)] = {
      source: moduleSource(config, 'cloud-run-service'),
      project_id: projectId,
      region: region(service),
      name: cloudRunServiceName(workspace.id, name),
      image:
        typeof attributes['image'] === 'string'
          ? attributes['image']
          : builtImage(context, data, name, attributes),
      service_account_email: identityEmail(name),
      network: organization('network', 'id'),
      subnetwork: organization('network', 'subnets', { key: region(service) }),
      env: Object.fromEntries(
        (container.env ?? []).map((variable) => [variable.name, variable.value]),
      ),
      secret_env: Object.fromEntries(
        ((attributes['secretEnvironment'] ?? []) as { name: string; secret: string }[]).map(
          (entry) => [
            entry.name,
            reference('module', identifier('secret', nameOf(entry.secret)), 'secret_id'),
          ],
        ),
      ),
      invoker_members: membersWith(context, service.address, workloadRoles.invoker),
      ...(publicServices.has(service.address) ? { public_through_load_balancer: true } : {}),
      ...containerInputs(service),
      min_instances: scaling.min ?? 0,
      max_instances: scaling.max ?? 10,
    };
  }

  for (const secret of resourcesOf(context, 'secret')) {
    const name = nameOf(secret.address);
    const label = moduleLabel(secret.address);
    module[label] = {
      source: moduleSource(config, 'secret'),
      project_id: projectId,
      secret_id: secretId(name),
      accessor_members: membersWith(context, secret.address, workloadRoles.secretAccessor),
    };
    for (const binding of bindingsOn(context, secret.address)) {
      const member = memberOf(binding.member, config);
      if (binding.role === workloadRoles.secretAccessor || member === undefined) continue;
      add(
        resource,
        'google_secret_manager_secret_iam_member',
        hashedLabel(label, `${binding.role} ${binding.member}`),
        {
          project: projectId,
          secret_id: reference('module', label, 'secret_id'),
          role: binding.role,
          member,
        },
      );
    }
  }

  for (const topic of resourcesOf(context, 'pubsub_topic')) {
    const name = nameOf(topic.address);
    const retention = topic.attributes['messageRetentionDurationSeconds'];
    module[moduleLabel(topic.address)] = {
      source: moduleSource(config, 'pubsub-topic'),
      project_id: projectId,
      name: topicName(name),
      allowed_persistence_regions: (topic.attributes['allowedPersistenceRegions'] ?? [
        region(topic),
      ]) as Json,
      message_retention_duration: `${typeof retention === 'number' ? retention : 604_800}s`,
      push_subscriptions: resourcesOf(context, 'pubsub_subscription')
        .filter((subscription) => subscription.attributes['source'] === name)
        .map((subscription) => {
          const target = nameOf(subscription.attributes['service'] as string);
          return {
            name: subscriptionName(name, target),
            push_endpoint: template(
              reference('module', identifier('service', target), 'uri'),
              subscription.attributes['path'] as string,
            ),
            service_account_email: identityEmail(
              nameOf(subscription.attributes['oidcServiceAccount'] as string),
            ),
          };
        }),
      publisher_members: membersWith(context, topic.address, workloadRoles.publisher),
    };
  }

  for (const cluster of resourcesOf(context, 'alloydb_cluster')) {
    const name = nameOf(cluster.address);
    const alloydb = (cluster.attributes['alloydb'] ?? {}) as {
      cpuCount?: number;
      backupConfig?: { quantityBasedRetention?: number };
    };
    module[moduleLabel(cluster.address)] = {
      source: moduleSource(config, 'alloydb'),
      project_id: projectId,
      region: region(cluster),
      cluster_id: name,
      network: organization('network', 'id'),
      allocated_ip_range: config.hub.databaseRange,
      cpu_count: Math.max(2, alloydb.cpuCount ?? 2),
      backup_retention_days: alloydb.backupConfig?.quantityBasedRetention ?? 14,
      iam_users: Object.fromEntries(
        resourcesOf(context, 'alloydb_user')
          .filter((user) => user.attributes['cluster'] === cluster.address)
          .map((user) => {
            const member = user.attributes['member'] as string;
            return [grantKey(member), identityEmail(member.slice('serviceAccount:'.length))];
          }),
      ),
    };
  }

  for (const bucket of resourcesOf(context, 'bucket')) {
    const name = nameOf(bucket.address);
    module[moduleLabel(bucket.address)] = {
      source: moduleSource(config, 'bucket'),
      project_id: projectId,
      // Bucket names are global: the hash of the bucket's identity makes them unique.
      name: bucketName(config.projectPrefix, workspace.id, name),
      location: region(bucket),
      log_bucket: config.logBucket,
      iam: iamMap(context, bucket.address),
    };
  }

  for (const ingress of resourcesOf(context, 'public_ingress')) {
    const name = nameOf(ingress.address);
    const routes = resourcesOf(context, 'route').filter(
      (route) => route.attributes['ingress'] === ingress.address,
    );
    const rendered = renderIngress(
      context,
      name,
      ingress,
      routes,
      projectId,
      projectIdOf(config.projectPrefix, workspace.id),
    );
    if (rendered !== undefined) module[moduleLabel(ingress.address)] = rendered;
  }

  workspace.egress.forEach((entry, index) => {
    const targets = (
      workspace.firewall.find((rule) => rule.name === 'allow-egress-proxy')
        ?.targetServiceAccounts ?? []
    ).map((member) =>
      template(
        'source.matchServiceAccount("',
        identityEmail(member.slice('serviceAccount:'.length)),
        '")',
      ),
    );
    const host = entry.destination.startsWith('*.')
      ? `host().endsWith(".${entry.destination.slice(2)}")`
      : `host() == "${entry.destination}"`;
    add(
      resource,
      'google_network_security_gateway_security_policy_rule',
      hashedLabel('egress', entry.destination),
      {
        name: egressRuleName(workspace.id, entry.destination),
        // The policy is the hub's: without it the rule would be looked for in the provider's project.
        project: config.hub.projectId,
        location: config.hub.region,
        gateway_security_policy: organization('network', 'proxy_policy'),
        enabled: true,
        priority: 1000 + index,
        basic_profile: 'ALLOW',
        description: `allowedEgress of ${workspace.id}: ${entry.destination}`,
        // Hosts are validated names ([a-z0-9.-]): nothing in them can break out of the string.
        session_matcher: template(
          host,
          ' && (',
          ...joinWith(targets, ' || '),
          targets.length === 0 ? 'false' : '',
          ')',
        ),
      },
    );
  });

  const output = renderAllowedReplacements(workspace.resources);
  return {
    data,
    module,
    ...(Object.keys(resource).length > 0 ? { resource } : {}),
    ...(output === undefined ? {} : { output }),
  };
}

function joinWith(parts: readonly Expression[], separator: string): (string | Expression)[] {
  return parts.flatMap((part, index) => (index === 0 ? [part] : [separator, part]));
}

/** The image a built application runs: its tag in the registry, resolved to a digest. */
function builtImage(
  context: RenderContext,
  data: Record<string, Record<string, TerraformValue>>,
  name: string,
  attributes: ModelResource['attributes'],
): TerraformValue {
  const definition = [...context.state.nodes.values()].find(
    (node) => node.kind === 'BuildDefinition' && node.name === attributes['buildDefinition'],
  )?.manifest;
  const containerize =
    definition?.kind === 'BuildDefinition' ? definition.spec.containerize : undefined;
  const label = identifier('image', name);
  (data['google_artifact_registry_docker_image'] ??= {})[label] = {
    project: context.config.hub.projectId,
    location: context.config.hub.region,
    repository_id: containerize?.registries?.[0] ?? 'docker',
    image_name: `${containerize?.name ?? name}:${typeof attributes['version'] === 'string' ? attributes['version'] : 'latest'}`,
  };
  return reference('data', 'google_artifact_registry_docker_image', label, 'self_link');
}
