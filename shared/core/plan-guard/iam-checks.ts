import type { Finding } from './plan-rule.ts';
import {
  describe,
  isAttributes,
  own,
  stringList,
  UNKNOWN,
  type Attributes,
} from './planned-values.ts';
import { isAdmittedPrivilegedGrant, isBasicRole, isPrivilegedRole } from './privileged-roles.ts';
import { isPublicPrincipal } from './public-principals.ts';
import type { PlannedResource } from './read-plan.ts';

/** Every IAM resource type: `google_<resource>_iam_member`, `_iam_binding` and `_iam_policy`. */
export const IAM_RESOURCE = /_iam_(?:member|binding|policy)$/;

/** `*_iam_binding` and `*_iam_policy`, which own the whole role or policy. */
export const AUTHORITATIVE_IAM_RESOURCE = /_iam_(?:binding|policy)$/;

/** One role granted to one member, where the resource says so. */
interface Grant {
  readonly role: unknown;
  readonly member: unknown;
  /** `policy_data` when the grant is a binding of the JSON policy. */
  readonly source: 'attributes' | 'policy_data';
}

/** `*_iam_binding` and `*_iam_policy` replace whatever else holds the role or the policy. */
export function checkAuthoritativeIam(_after: Attributes, resource: PlannedResource): Finding[] {
  const memberLevel = resource.type.replace(AUTHORITATIVE_IAM_RESOURCE, '_iam_member');
  return [
    {
      message: `${resource.type} is authoritative: it removes every member it does not name; expected the member-level ${memberLevel}`,
    },
  ];
}

/** Public principals: granted by IAM, or anywhere else in the attributes (ACL entities…). */
export function checkPublicMembers(after: Attributes, resource: PlannedResource): Finding[] {
  const findings: Finding[] = [];
  if (IAM_RESOURCE.test(resource.type)) {
    for (const grant of grantsOf(after)) {
      if (typeof grant.member === 'string' && isPublicPrincipal(grant.member)) {
        findings.push({
          message: `${grant.source === 'policy_data' ? 'policy_data ' : ''}grants ${roleName(grant.role)} to ${grant.member}, which makes the resource public`,
        });
      }
    }
  }
  const skipped = IAM_RESOURCE.test(resource.type) ? iamKeys : new Set<string>();
  for (const [path, value] of publicStrings(after, '', skipped)) {
    findings.push({ message: `${path} is ${value}, which makes the resource public` });
  }
  return findings;
}

/** Basic roles, in any case, in attributes or in `policy_data`. */
export function checkBasicRoles(after: Attributes): Finding[] {
  return grantsOf(after)
    .filter((grant) => typeof grant.role === 'string' && isBasicRole(grant.role))
    .map((grant) => ({
      message: `${grant.source === 'policy_data' ? 'policy_data ' : ''}grants the basic role ${roleName(grant.role)}; expected a predefined or custom role of least privilege`,
    }));
}

/** Roles that change IAM or impersonate, except the grants a module needs. */
export function checkPrivilegedRoles(after: Attributes, resource: PlannedResource): Finding[] {
  const findings: Finding[] = [];
  for (const grant of grantsOf(after)) {
    const prefix = grant.source === 'policy_data' ? 'policy_data ' : '';
    if (grant.role === UNKNOWN) {
      findings.push({
        message: `${prefix}grants a role that is not known until apply, which cannot be checked; expected a literal role`,
      });
      continue;
    }
    if (typeof grant.role !== 'string' || isBasicRole(grant.role)) continue;
    if (!isPrivilegedRole(grant.role)) continue;
    const member = typeof grant.member === 'string' ? grant.member : undefined;
    if (isAdmittedPrivilegedGrant(resource.module, resource.type, grant.role, member)) continue;
    findings.push({
      message: `${prefix}grants ${grant.role} to ${member ?? `a member ${describe(grant.member)}`}: it can change IAM or act as a service account; expected a role of least privilege`,
    });
  }
  return findings;
}

const iamKeys = new Set(['member', 'members', 'policy_data']);

function grantsOf(after: Attributes): Grant[] {
  const role = own(after, 'role');
  const members = [own(after, 'member'), ...memberList(own(after, 'members'))].filter(
    (member) => member !== undefined && member !== null,
  );
  const grants: Grant[] = members.map((member) => ({ role, member, source: 'attributes' }));
  // A binding without members still names its role.
  if (grants.length === 0 && role !== undefined && role !== null) {
    grants.push({ role, member: undefined, source: 'attributes' });
  }
  return [...grants, ...policyGrants(own(after, 'policy_data'))];
}

function memberList(value: unknown): unknown[] {
  if (value === UNKNOWN) return [UNKNOWN];
  return Array.isArray(value) ? value : [];
}

/** The bindings of a `policy_data` JSON policy; unreadable policies yield none. */
function policyGrants(policyData: unknown): Grant[] {
  if (typeof policyData !== 'string') return [];
  let policy: unknown;
  try {
    policy = JSON.parse(policyData);
  } catch {
    return [];
  }
  const bindings = own(policy, 'bindings');
  if (!Array.isArray(bindings)) return [];
  return bindings.filter(isAttributes).flatMap((binding): Grant[] => {
    const role = own(binding, 'role');
    const members = stringList(own(binding, 'members')).known;
    return members.length === 0
      ? [{ role, member: undefined, source: 'policy_data' }]
      : members.map((member) => ({ role, member, source: 'policy_data' }));
  });
}

function roleName(role: unknown): string {
  return typeof role === 'string' ? role : 'a role';
}

/** `[path, value]` of every string in a value that is a public principal. */
function publicStrings(
  value: unknown,
  path: string,
  skipped: ReadonlySet<string>,
): [string, string][] {
  if (typeof value === 'string') return isPublicPrincipal(value) ? [[path, value]] : [];
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => publicStrings(item, `${path}[${index}]`, skipped));
  }
  if (!isAttributes(value)) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    path === '' && skipped.has(key)
      ? []
      : publicStrings(item, path === '' ? key : `${path}.${key}`, skipped),
  );
}
