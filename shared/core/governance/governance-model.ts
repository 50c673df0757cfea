/** Plain JSON, for resource attributes that are compared and stored as they are. */
export type Json =
  string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** Which manifest entry caused something: every binding and rule traces back to one. */
export interface Provenance {
  readonly file: string;
  /** JSON pointer into that file's manifest. */
  readonly pointer: string;
}

/** Something the workspace's Terraform will create, such as a project, a secret or a service. */
export interface ModelResource {
  /** `<type>.<name>`, unique in its workspace, such as `secret.stripe-api-key`. */
  readonly address: string;
  readonly type: string;
  /** What the resource is configured with; a change here is a change to the resource. */
  readonly attributes: { readonly [key: string]: Json };
  readonly cause: Provenance;
}

/**
 * One member granted one role on one resource: additive and member-level, never a whole
 * policy. `resource` is the address of a resource of the same workspace.
 */
export interface IamBinding {
  readonly resource: string;
  readonly role: string;
  readonly member: string;
  readonly cause: Provenance;
  /** The id of the manifest the member stands for (an application, a group), where one does. */
  readonly subject?: string;
}

/** A VPC firewall rule of a project. Every rule logs. */
export interface FirewallRule {
  readonly name: string;
  readonly direction: 'INGRESS' | 'EGRESS';
  readonly action: 'allow' | 'deny';
  readonly priority: number;
  /** Source ranges for ingress, destination ranges for egress. `egress-proxy` is the hub's proxy subnet. */
  readonly ranges: readonly string[];
  readonly protocols: readonly { readonly protocol: string; readonly ports?: readonly string[] }[];
  /** Service accounts the rule applies to; absent means every workload of the project. */
  readonly targetServiceAccounts?: readonly string[];
  readonly description: string;
  readonly cause: Provenance;
}

/** A host or `*.`-wildcard the egress proxy lets one project reach. */
export interface EgressEntry {
  readonly destination: string;
  readonly cause: Provenance;
}

/** Everything one workspace's Terraform holds, in a canonical order. */
export interface WorkspaceModel {
  readonly id: string;
  readonly resources: readonly ModelResource[];
  readonly iam: readonly IamBinding[];
  readonly firewall: readonly FirewallRule[];
  readonly egress: readonly EgressEntry[];
}

/** The key that identifies a binding: two bindings with the same key are the same grant. */
export function bindingKey(binding: Pick<IamBinding, 'resource' | 'role' | 'member'>): string {
  // Joined rather than concatenated: the result is one flat string, which the maps and
  // sorts of tens of thousands of keys hash and compare faster than a chain of pieces.
  return [binding.resource, binding.role, binding.member].join(' ');
}
