import type { DesiredState } from '../governance/desired-state.ts';
import type { IamBinding, ModelResource, WorkspaceModel } from '../governance/governance-model.ts';
import type { GovernedRepository } from '../pipeline/governed-repository.ts';
import { modelAddress } from '../naming/model-addresses.ts';
import { projectId, serviceAccountId } from '../naming/cloud-names.ts';
import { grantKey, moduleLabel } from '../naming/terraform-labels.ts';
import type { RenderConfig } from './render-config.ts';
import { reference, template, type Expression, type TerraformValue } from './terraform-json.ts';

/** What rendering one workspace needs, and the helpers every part of it shares. */
export interface RenderContext {
  readonly state: DesiredState;
  readonly workspace: WorkspaceModel;
  readonly config: RenderConfig;
  /** The repository whose state the workspace's Terraform state is kept under. */
  readonly repository: GovernedRepository;
}

/** The pinned source of a module of terraform-modules/. */
export function moduleSource(config: RenderConfig, module: string): string {
  return 'git' in config.modules
    ? `${config.modules.git}/${module}?ref=${config.modules.ref}`
    : `${config.modules.path}/${module}`;
}

/**
 * An IAM member of the model, as Terraform writes it. Principals of people are literal;
 * symbolic members of the workspace become references to what defines them, and an
 * application of another project (`serviceAccount:<app>@<workspace>`) the email its
 * identity has there. Members with no Google Cloud identity (a load balancer's serverless
 * backend, GitHub teams) give undefined: they are not IAM bindings of this workspace.
 */
export function memberOf(member: string, config: RenderConfig): TerraformValue | undefined {
  const [type, name] = splitOnce(member, ':');
  switch (type) {
    case 'group':
    case 'user':
    case 'principal':
    case 'principalSet':
      return member;
    case 'serviceAccount': {
      const [application, workspace] = splitOnce(name, '@');
      // Another workspace's identity is no module here: its email is derived as it names it.
      return workspace === ''
        ? template('serviceAccount:', reference('module', identityModule(name), 'email'))
        : `serviceAccount:${workloadEmail(config, workspace, application)}`;
    }
    case 'serviceAgent':
      return name === 'iap'
        ? template(
            'serviceAccount:service-',
            reference('module', 'project', 'number'),
            '@gcp-sa-iap.iam.gserviceaccount.com',
          )
        : undefined;
    default:
      return undefined;
  }
}

/** The module that creates the identity named in a `serviceAccount:` member. */
export function identityModule(name: string): string {
  return moduleLabel(modelAddress('service_account', name));
}

/** The email an application's identity has in the project of a workspace. */
export function workloadEmail(
  config: RenderConfig,
  workspace: string,
  application: string,
): string {
  return `${serviceAccountId(workspace, application)}@${projectId(config.projectPrefix, workspace)}.iam.gserviceaccount.com`;
}

/** The email of an application's or push subscription's identity. */
export function identityEmail(name: string): Expression {
  return reference('module', identityModule(name), 'email');
}

/**
 * Members granted one role on one resource, keyed by the member as the model names it.
 * Modules iterate with `for_each`, whose keys must be known when Terraform plans; the
 * members themselves are often emails of identities created in the same apply.
 */
export function membersWith(
  context: RenderContext,
  resource: string,
  role: string,
  readableLength?: number,
): Record<string, TerraformValue> {
  const members: Record<string, TerraformValue> = {};
  for (const binding of bindingsOn(context, resource)) {
    const member = binding.role === role ? memberOf(binding.member, context.config) : undefined;
    if (member !== undefined) members[grantKey(binding.member, undefined, readableLength)] = member;
  }
  return members;
}

/** Every binding on one resource of the workspace. */
export function bindingsOn(context: RenderContext, resource: string): IamBinding[] {
  return context.workspace.iam.filter((binding) => binding.resource === resource);
}

/** Bindings on a resource for the folder, project and bucket modules' `iam`, keyed statically. */
export function iamMap(context: RenderContext, resource: string): Record<string, TerraformValue> {
  const map: Record<string, TerraformValue> = {};
  for (const binding of bindingsOn(context, resource)) {
    const member = memberOf(binding.member, context.config);
    if (member !== undefined)
      map[grantKey(binding.member, binding.role)] = { role: binding.role, member };
  }
  return map;
}

/**
 * Addresses of the services anyone may reach through the load balancer: the destinations of
 * a route rule without authentication (what `policy/public-route` reports). The load
 * balancer's serverless backend calls them without an identity, so their invoker check is
 * off, while their ingress still admits nothing but the load balancer and the VPC.
 */
export function publicDestinations(context: RenderContext): Set<string> {
  const destinations = new Set<string>();
  for (const route of resourcesOf(context, 'route')) {
    const rules = (route.attributes['rules'] ?? []) as unknown as readonly {
      readonly authentication?: readonly unknown[];
      readonly action: { readonly destinations: readonly { deploymentConfig: string }[] };
    }[];
    for (const rule of rules) {
      if ((rule.authentication ?? []).length > 0) continue;
      for (const destination of rule.action.destinations)
        destinations.add(modelAddress('cloud_run_service', destination.deploymentConfig));
    }
  }
  return destinations;
}

/** The workspace's resources of one type. */
export function resourcesOf(context: RenderContext, type: string): ModelResource[] {
  return context.workspace.resources.filter((resource) => resource.type === type);
}

export { nameOf } from '../naming/model-addresses.ts';

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
