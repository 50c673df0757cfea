/**
 * Names of Google Cloud resources: what the renderer writes and what the naming check
 * lists, from the same functions. Each is injective on what it stands for, up to the
 * hashes it carries: where a name must be cut, it keeps the hash of the full identity
 * (`<workspace>/<model address>`: kind, every ancestor and name), never of a lossy join.
 * The names a collision is still possible between (a hash shared by chance, a manifest
 * name chosen to equal a generated one) are listed and refused by `naming/collision`.
 */
import { cut, fit, HASH_SUFFIX, shortHash, withHash } from './hash.ts';
import { addressParts, modelAddress } from './model-addresses.ts';

/** The unit, environment and project of a project workspace `<unit>.<environment>.<project>`. */
export interface ProjectScope {
  readonly unit: string;
  readonly environment: string;
  readonly project: string;
}

/** The scope of a project workspace id; names hold no dots, so the split is exact. */
export function projectScope(workspaceId: string): ProjectScope {
  const [unit = '', environment = '', project = ''] = workspaceId.split('.');
  return { unit, environment, project };
}

/** What a hash of one resource of a workspace is taken over: its whole identity. */
export function identityOf(workspaceId: string, address: string): string {
  return `${workspaceId}/${address}`;
}

/**
 * Readable parts of global names are only there for people: the hash makes the name
 * unique. A bucket name may not contain "google" or a look-alike such as "g00gle", so
 * such a word is left out of the readable part, of project ids too.
 */
function readable(text: string): string {
  return text.replace(/g[o0]{2}g[l1]e/g, 'g');
}

/**
 * `<prefix>-<readable, cut>-<hash>`, at most `max`. Project ids and bucket names are
 * global: they start with the render configuration's `projectPrefix`, which all of them
 * share, and end with the hash of the identity of what they name, so two are equal only
 * if those hashes are, whatever the prefix and the readable part between.
 */
function globalName(prefix: string, text: string, hash: string, max: number): string {
  return `${prefix}-${cut(readable(text), max - prefix.length - 1 - HASH_SUFFIX)}-${hash}`;
}

/** The hash a project id ends with: of the project in its unit and environment. */
export function projectIdHash(workspaceId: string): string {
  const { project } = projectScope(workspaceId);
  return shortHash(identityOf(workspaceId, modelAddress('project', project)));
}

/** The id (at most 30) of a project workspace's project: `<prefix>-<project>-<environment>-<hash>`. */
export function projectId(prefix: string, workspaceId: string): string {
  const { environment, project } = projectScope(workspaceId);
  return globalName(prefix, `${project}-${environment}`, projectIdHash(workspaceId), 30);
}

/** The hash a bucket name ends with: of the bucket in its project, unit and environment. */
export function bucketNameHash(workspaceId: string, bucket: string): string {
  return shortHash(identityOf(workspaceId, modelAddress('bucket', bucket)));
}

/** The global name (at most 63) of a project's bucket: `<prefix>-<project>-<environment>-<bucket>-<hash>`. */
export function bucketName(prefix: string, workspaceId: string, bucket: string): string {
  const { environment, project } = projectScope(workspaceId);
  return globalName(
    prefix,
    `${project}-${environment}-${bucket}`,
    bucketNameHash(workspaceId, bucket),
    63,
  );
}

/**
 * The account id (6-30 characters) of an identity of a workspace, from its model name.
 * An application's is its name, cut with the hash of the name when longer than 30 and
 * padded with it when shorter than 6, as it always was: the name is the application's
 * identity in its project, once two applications of one name there are refused. A push
 * identity's is `push-<source>-<service>`, cut, then the hash of its whole identity, so
 * a topic's and a bucket's differ, and only an application named exactly like it, hash
 * and all, would meet it (which is refused).
 */
export function serviceAccountId(workspaceId: string, identity: string): string {
  if (identity.includes('.')) {
    const [source = '', service = ''] = identity.split('.').slice(-2);
    return withHash(
      `push-${source}-${service}`,
      identityOf(workspaceId, modelAddress('service_account', identity)),
      30,
    );
  }
  const id = fit(identity, 30);
  return id.length >= 6 ? id : `${id}-${shortHash(identity).slice(0, 6 - id.length)}`;
}

/** A Cloud Run service's name (at most 49): the application's, cut with its hash when longer. */
export function cloudRunServiceName(workspaceId: string, application: string): string {
  return application.length <= 49
    ? application
    : withHash(
        application,
        identityOf(workspaceId, modelAddress('cloud_run_service', application)),
        49,
      );
}

/**
 * The key of a public-ingress backend, which names its backend service and NEG
 * (`<ingress>-<key>`): 1-20 characters, the start of the service's name, readable in the
 * console, then the hash of the backend's whole identity (service, audience, who may
 * pass), so that two backends never share a key however their names begin.
 */
export function ingressBackendKey(service: string, identity: string): string {
  return withHash(service, identity, 20);
}

/**
 * The host of a route of a GOOGLE_MANAGED ingress: `<route>-<ingress>.endpoints.<project
 * id>.cloud.goog`, a name only that project can hold; its first label is cut to 63 with a
 * hash when longer.
 */
export function managedIngressHost(route: string, ingress: string, projectId: string): string {
  return `${fit(`${route}-${ingress}`, 63)}.endpoints.${projectId}.cloud.goog`;
}

/**
 * A secret's id: a Secret's name, or `<app>_<database>_connection` for a generated
 * connection secret. Manifest names hold no underscore, so the two never meet.
 */
export function secretId(secret: string): string {
  return secret.replaceAll('.', '_');
}

/**
 * A Pub/Sub topic's name: the PubSub's. Topic names are 3-255 characters and may not
 * start with `goog`; a name that is not one becomes `topic_<name>`, which no manifest
 * name can be.
 */
export function topicName(topic: string): string {
  return topic.length >= 3 && !topic.startsWith('goog') ? topic : `topic_${topic}`;
}

/** The topic, and the subscription, the pubsub-topic module keeps undeliverable messages in. */
export function deadLetterName(topic: string): string {
  return `${topicName(topic)}-dead-letter`;
}

/**
 * A push subscription's name: `<topic>-to-<service>` when `-to-` occurs only there, as
 * it always was; otherwise the split would be ambiguous (`a-to-b` to `c`, `a` to
 * `b-to-c`) and it is `<topic>_to_<service>`, whose underscores no manifest name holds.
 */
export function subscriptionName(topic: string, deploymentConfig: string): string {
  const plain = `${topicName(topic)}-to-${deploymentConfig}`;
  return occurrences(plain, '-to-') === 1 ? plain : `${topicName(topic)}_to_${deploymentConfig}`;
}

function occurrences(text: string, part: string): number {
  let count = 0;
  for (let at = text.indexOf(part); at !== -1; at = text.indexOf(part, at + 1)) count++;
  return count;
}

/**
 * The prefix of a project's firewall rule names in the hub network, at most 22, so that
 * `<prefix>-<rule>` fits in 63. Unit, environment and project joined with hyphens, as it
 * always was, when none of them holds a hyphen (the join is then unambiguous); otherwise
 * cut, with the hash of the workspace.
 */
export function firewallPrefix(workspaceId: string): string {
  const { unit, environment, project } = projectScope(workspaceId);
  const joined = `${unit}-${environment}-${project}`;
  return [unit, environment, project].some((name) => name.includes('-'))
    ? withHash(joined, identityOf(workspaceId, 'firewall'), 22)
    : fit(joined, 22);
}

/** What follows the prefix in a firewall rule's name: the model's rule name, at most 40. */
export function firewallRuleSuffix(rule: string): string {
  return fit(rule, 40);
}

/** The full name of a rule of a project's firewall: `<prefix>-<rule>`, at most 63. */
export function firewallRuleName(workspaceId: string, rule: string): string {
  return `${firewallPrefix(workspaceId)}-${firewallRuleSuffix(rule)}`;
}

/**
 * The model name of the firewall rule that lets a project reach a CIDR range of its
 * `allowedEgress`: `allow-egress-ipv<4|6>-<range>`, each `.`, `:` and `/` of the range
 * written as a hyphen. The range's digits never hold one, and its prefix length follows
 * the last, so the name gives the range back: `2001:db8::/128` and `2001::db8/128` are
 * `…-2001-db8---128` and `…-2001--db8-128`.
 */
export function egressRangeRule(version: 4 | 6, range: string): string {
  return `allow-egress-ipv${version}-${range.replace(/[^0-9a-f]/g, '-')}`;
}

/**
 * The hub subnet the egress proxy takes its address from: the `egress-proxy` range of the
 * projects' firewalls. Workload subnets are named after their region; this name never is one.
 */
export function egressProxySubnet(network: string): string {
  return `${network}-egress-proxy`;
}

/** The rules the project-firewall module always makes, by the name it gives them. */
export const BASELINE_FIREWALL_RULES = [
  'deny-all-ingress',
  'deny-all-ingress-ipv6',
  'deny-all-egress',
  'deny-all-egress-ipv6',
] as const;

/**
 * The name of a project's rule in the hub's egress proxy policy, which every project
 * shares: `<unit>-<environment>-<project>-<hash of the host>` as it always was when that
 * is unambiguous and fits in 63, else the firewall prefix and the hash of the host.
 */
export function egressRuleName(workspaceId: string, destination: string): string {
  const { unit, environment, project } = projectScope(workspaceId);
  const joined = `${unit}-${environment}-${project}`;
  const hash = shortHash(destination);
  return [unit, environment, project].every((name) => !name.includes('-')) &&
    joined.length + HASH_SUFFIX <= 63
    ? `${joined}-${hash}`
    : `${firewallPrefix(workspaceId)}-${hash}`;
}

/** The display names the folder module accepts: Google Cloud's, in ASCII and from 3 characters. */
export const FOLDER_DISPLAY_NAME = /^[A-Za-z0-9][A-Za-z0-9 _-]{1,28}[A-Za-z0-9]$/;

/**
 * A folder's display name, which must be unique among the folders of its parent: the
 * manifest's `displayName`, else its name; a name too short for a display name is
 * followed by what the folder is (`qa environment`), one too long is cut with the hash
 * of the folder. A `displayName` that is not a display name is refused before rendering.
 */
export function folderDisplayName(address: string, displayName: string | undefined): string {
  const { names } = addressParts(address);
  const name = names.at(-1) ?? '';
  const given = displayName ?? name;
  if (given !== name || FOLDER_DISPLAY_NAME.test(name)) return given;
  if (name.length < 3) return `${name} ${names.length === 1 ? 'unit' : 'environment'}`;
  return withHash(name, identityOf('organization', address), 30);
}

/**
 * The `workspace` label every resource of a workspace carries: its id with underscores
 * for dots, cut with the hash of the id past the 63 characters a label value may hold.
 */
export function workspaceLabel(workspaceId: string): string {
  const label = workspaceId.replaceAll('.', '_');
  return label.length <= 63 ? label : withHash(label, workspaceId, 63);
}
