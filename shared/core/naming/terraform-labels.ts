/**
 * Terraform labels (the keys of `module`, `resource` and `data` blocks) and the `for_each`
 * keys of IAM grants, made from manifest names. Names are `[a-z][a-z0-9-]*` and never
 * hold `_` or `.`; labels are `[a-z][a-z0-9_-]*`.
 */
import { shortHash } from './hash.ts';
import { addressParts, nameOf } from './model-addresses.ts';

const NAME = /^[a-z][a-z0-9-]*$/;
const KIND = /^[a-z][a-z0-9]*$/;

/**
 * `<kind>_<names>`: each name with its hyphens written as underscores, as labels always
 * were, and the names of a path joined with hyphens, which a name written so can no
 * longer hold. The label therefore gives back the kind and every name, and no two paths
 * share one: `folder_warehouse_development` is the unit `warehouse-development`,
 * `folder_warehouse-development` the environment `development` of `warehouse`. A path is
 * given as names or as dotted model names (`push.order-events.shop`).
 */
export function terraformLabel(kind: string, ...path: readonly string[]): string {
  if (!KIND.test(kind)) throw new Error(`not a Terraform identifier kind: ${JSON.stringify(kind)}`);
  const names = path.flatMap((part) => part.split('.'));
  for (const name of names)
    if (!NAME.test(name))
      throw new Error(`not a Terraform identifier part: ${JSON.stringify(name)}`);
  return names.length === 0
    ? kind
    : `${kind}_${names.map((name) => name.replaceAll('-', '_')).join('-')}`;
}

/** The kind of module label of each model type that the renderer makes a module call of. */
const MODULE_KINDS: Readonly<Record<string, string>> = {
  folder: 'folder',
  artifact_registry: 'registry',
  service_account: 'identity',
  cloud_run_service: 'service',
  secret: 'secret',
  pubsub_topic: 'topic',
  alloydb_cluster: 'alloydb',
  bucket: 'bucket',
  public_ingress: 'ingress',
};

/** Whether the renderer makes a module call of a model resource of this type. */
export function hasModule(type: string): boolean {
  return type === 'project' || Object.hasOwn(MODULE_KINDS, type);
}

/**
 * The label of the module call that makes a model resource: `service_account.shop` is
 * `identity_shop`, `folder.shipping.production` is `folder_shipping-production`; a
 * project workspace's one project is `project`.
 */
export function moduleLabel(address: string): string {
  const { type } = addressParts(address);
  if (type === 'project') return 'project';
  const kind = MODULE_KINDS[type];
  if (kind === undefined) throw new Error(`no module makes ${address}`);
  return terraformLabel(kind, nameOf(address));
}

/**
 * A label for one of several resources of a label, told apart by the hash of what each
 * is: `secret_stripe_key_0bpef67`. Hashes hold neither `_` nor `-`, so the label before
 * the last `_` is given back too.
 */
export function hashedLabel(label: string, what: string): string {
  return `${label}_${shortHash(what)}`;
}

/**
 * The `for_each` key of a member, or of a member's grant of a role: short and readable in
 * a plan (the role and the member's last name part, such as `run.invoker shipment-api`),
 * made unique by the hash of the whole. Keys must be known when Terraform plans; the
 * members themselves are often emails of identities created in the same apply.
 */
export function grantKey(member: string, role?: string, readableLength = 80): string {
  const tail = member.split(/[/:]/).at(-1) ?? member;
  const readable = role === undefined ? tail : `${role.replace(/^roles\//, '')} ${tail}`;
  return `${readable.slice(0, readableLength)}~${shortHash(role === undefined ? member : `${role} ${member}`)}`;
}

/**
 * The label a path had when names and the separators between them were all written as
 * underscores (`folder_shipping_production` for `folder_shipping-production`), which two
 * paths could share. Labels of one name are the same in both.
 */
export function formerLabel(label: string): string {
  return label.replaceAll('-', '_');
}
