import type { Json } from '../governance/governance-model.ts';
import type { DriftSeverity } from './drift-finding.ts';

/** What a rule of the table makes of a Terraform attribute that drifted. */
export type AttributeVerdict = DriftSeverity | 'dropped';

/** One row of the table: which attributes, and how much their drift matters. */
export interface SeverityRule {
  /** Terraform resource types, `*` for any part of a name (`google_*_iam_member`). */
  readonly type: string;
  /** The attribute path without list indices (`template.containers.image`), globbed the same way. */
  readonly attribute: string;
  /** Only when the value after the drift grants the public, or a basic or admin role. */
  readonly when?: 'public' | 'privileged';
  readonly verdict: AttributeVerdict;
  /** Why, as docs/drift.md shows it. */
  readonly reason: string;
}

/**
 * The one table of drift severities, first match wins; docs/drift.md shows it row for row
 * (a test holds them equal). Known noise comes first: what the provider or Google computes
 * on its own is dropped, so that a sweep over an untouched cloud finds nothing.
 */
export const severityTable: readonly SeverityRule[] = [
  {
    type: '*',
    attribute: 'client',
    verdict: 'dropped',
    reason: 'set by whichever tool last wrote the resource (gcloud, the console)',
  },
  {
    type: '*',
    attribute: 'client_version',
    verdict: 'dropped',
    reason: 'the version of that tool',
  },
  {
    type: '*',
    attribute: '*etag',
    verdict: 'dropped',
    reason: 'changes on every write, by Google',
  },
  {
    type: '*',
    attribute: '*_time',
    verdict: 'dropped',
    reason: 'create, update and expire times, computed',
  },
  {
    type: '*',
    attribute: '*generation',
    verdict: 'dropped',
    reason: 'revision counters, computed',
  },
  {
    type: '*',
    attribute: '*uid',
    verdict: 'dropped',
    reason: 'server-assigned identifiers',
  },
  {
    type: '*',
    attribute: '*reconciling',
    verdict: 'dropped',
    reason: 'whether Google is still applying a change',
  },
  {
    type: '*',
    attribute: '*conditions*',
    verdict: 'dropped',
    reason: 'status conditions of Cloud Run and others, computed',
  },
  {
    type: '*',
    attribute: 'latest_*_revision',
    verdict: 'dropped',
    reason: 'the revisions Cloud Run created and serves, computed',
  },
  {
    type: '*',
    attribute: 'last_modifier',
    verdict: 'dropped',
    reason: 'who wrote last; the change itself is what is reported',
  },
  {
    type: '*',
    attribute: '*',
    when: 'public',
    verdict: 'critical',
    reason: 'grants `allUsers` or `allAuthenticatedUsers`: public access',
  },
  {
    type: '*',
    attribute: '*',
    when: 'privileged',
    verdict: 'critical',
    reason: 'grants a basic role (owner, editor, viewer) or an admin role',
  },
  {
    type: '*',
    attribute: '*public_access_prevention',
    verdict: 'critical',
    reason: 'a bucket that may be made public',
  },
  {
    type: '*',
    attribute: '*uniform_bucket_level_access',
    verdict: 'critical',
    reason: 'object ACLs, which IAM does not see',
  },
  {
    type: '*',
    attribute: '*deletion_protection',
    verdict: 'critical',
    reason: 'a disabled protection',
  },
  {
    type: '*',
    attribute: 'invoker_iam_disabled',
    verdict: 'critical',
    reason: 'a Cloud Run service anyone may call',
  },
  {
    type: '*_iam_*',
    attribute: '*',
    verdict: 'high',
    reason: 'an IAM grant or policy',
  },
  {
    type: 'google_compute_*',
    attribute: '*',
    verdict: 'high',
    reason: 'firewall rules, networks, addresses, routes',
  },
  {
    type: '*',
    attribute: '(deleted)',
    verdict: 'medium',
    reason: 'a managed resource deleted outside Terraform',
  },
  {
    type: '*',
    attribute: '*ingress*',
    verdict: 'high',
    reason: 'who may reach a service',
  },
  {
    type: '*',
    attribute: '*egress*',
    verdict: 'high',
    reason: 'where a service may reach',
  },
  {
    type: '*',
    attribute: '*service_account*',
    verdict: 'high',
    reason: 'the identity a workload runs as',
  },
  {
    type: '*',
    attribute: '*labels',
    verdict: 'low',
    reason: 'labels, including those the provider merges in',
  },
  {
    type: '*',
    attribute: '*annotations',
    verdict: 'low',
    reason: 'annotations',
  },
  {
    type: '*',
    attribute: '*encryption*',
    verdict: 'medium',
    reason: 'keys and encryption settings',
  },
  {
    type: '*',
    attribute: '*kms_key*',
    verdict: 'medium',
    reason: 'keys and encryption settings',
  },
  {
    type: '*',
    attribute: '*ssl*',
    verdict: 'medium',
    reason: 'encryption in transit',
  },
  {
    type: '*',
    attribute: '*versioning*',
    verdict: 'medium',
    reason: 'object versions, which a restore needs',
  },
  {
    type: '*',
    attribute: '*retention*',
    verdict: 'medium',
    reason: 'how long data and logs are kept',
  },
  {
    type: '*',
    attribute: '*log*',
    verdict: 'medium',
    reason: 'audit and flow logs',
  },
  {
    type: '*',
    attribute: '*backup*',
    verdict: 'medium',
    reason: 'backups',
  },
  {
    type: '*',
    attribute: '*secret*',
    verdict: 'medium',
    reason: 'how secrets reach a workload',
  },
  {
    type: '*',
    attribute: '*',
    verdict: 'low',
    reason: 'everything else',
  },
];

const PUBLIC_MEMBERS = /\ballUsers\b|\ballAuthenticatedUsers\b/;
const PRIVILEGED_ROLES = /^roles\/(?:owner|editor|viewer)$|^roles\/[\w.]*(?:\.admin|Admin)$/;

/** Whether a value, at any depth, names the public or grants a basic or admin role. */
function mentions(value: Json, test: (text: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  if (Array.isArray(value)) return value.some((item: Json) => mentions(item, test));
  if (value !== null && typeof value === 'object')
    return Object.values(value).some((item) => mentions(item, test));
  return false;
}

const globs = new Map<string, RegExp>();
function glob(pattern: string): RegExp {
  let regex = globs.get(pattern);
  if (regex === undefined) {
    const body = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    regex = new RegExp(`^${body.join('.*')}$`);
    globs.set(pattern, regex);
  }
  return regex;
}

/** The matching glob of the table: `*` stands for any text, `.` included. */
export function matchesGlob(pattern: string, text: string): boolean {
  return glob(pattern).test(text);
}

/**
 * What the table makes of one drifted attribute of a resource of `type`: `attribute` is
 * its dotted path (list indices are ignored), `after` what the cloud holds now.
 */
export function attributeSeverity(type: string, attribute: string, after: Json): AttributeVerdict {
  const path = attribute
    .split('.')
    .filter((segment) => !/^\d+$/.test(segment))
    .join('.');
  for (const rule of severityTable) {
    if (!matchesGlob(rule.type, type) || !matchesGlob(rule.attribute, path)) continue;
    if (rule.when === 'public' && !mentions(after, (text) => PUBLIC_MEMBERS.test(text))) continue;
    if (rule.when === 'privileged' && !mentions(after, (text) => PRIVILEGED_ROLES.test(text)))
      continue;
    return rule.verdict;
  }
  return 'low';
}
