import { forbiddenRoles } from '../governance/iam-roles.ts';

/**
 * Roles that change IAM or act as someone else. Whoever holds one can grant themselves
 * anything, so none is ever granted by a plan, except the grants a module needs and
 * {@link admittedPrivilegedGrants} names.
 */
const privilegedRoleNames = [
  ...forbiddenRoles,
  'roles/iam.organizationRoleAdmin',
  'roles/iam.serviceAccountOpenIdTokenCreator',
  'roles/iam.workloadIdentityPoolAdmin',
  'roles/cloudkms.admin',
  'roles/cloudfunctions.admin',
  'roles/compute.admin',
  'roles/bigquery.admin',
  'roles/iap.admin',
  'roles/orgpolicy.policyAdmin',
  // Each runs code as a service account it names (Checkov's impersonation roles).
  'roles/cloudbuild.builds.editor',
  'roles/dataflow.developer',
  'roles/deploymentmanager.editor',
];

const basicRoleNames = ['roles/owner', 'roles/editor', 'roles/viewer'];

// Role names are compared without case: the API is strict, a mistyped grant is not.
const basicRoles = new Set(basicRoleNames);
const privilegedRoles = new Set(
  privilegedRoleNames.map((role) => role.toLowerCase()).filter((role) => !basicRoles.has(role)),
);
const privilegedPatterns = [
  // Every administrator of the resource hierarchy or of IAM itself.
  /^roles\/resourcemanager\.[a-z]*admin$/,
  /^roles\/iam\.[a-z]*admin$/,
  // Service agent roles belong to Google's agents, which Google grants them itself.
  /^roles\/[a-z0-9]+\.serviceagent$/,
];

/** Whether a role is `roles/owner`, `roles/editor` or `roles/viewer`, in any case. */
export function isBasicRole(role: string): boolean {
  return basicRoles.has(role.trim().toLowerCase());
}

/** Whether a role administers IAM or impersonates service accounts, in any case. */
export function isPrivilegedRole(role: string): boolean {
  const name = role.trim().toLowerCase();
  return privilegedRoles.has(name) || privilegedPatterns.some((pattern) => pattern.test(name));
}

/** A privileged grant a module needs, admitted exactly where it is made. */
export interface AdmittedPrivilegedGrant {
  /** The directory under `terraform-modules/` whose resource makes the grant. */
  readonly module: string;
  readonly type: string;
  readonly role: string;
  /** The only member it may go to. */
  readonly member: RegExp;
  /** Why the module needs it. */
  readonly reason: string;
}

/**
 * The privileged grants modules may make. No module makes one today: the pubsub-topic
 * module's push subscriptions need the Pub/Sub service agent to mint OIDC tokens as the
 * push service account, which is granted on that account (its README says so). Should
 * the module grant it itself, this entry admits exactly that grant and nothing else.
 */
export const admittedPrivilegedGrants: readonly AdmittedPrivilegedGrant[] = [
  {
    module: 'pubsub-topic',
    type: 'google_service_account_iam_member',
    role: 'roles/iam.serviceAccountTokenCreator',
    member: /^serviceAccount:service-\d+@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/,
    reason: 'the Pub/Sub service agent signs the OIDC token of an authenticated push subscription',
  },
];

/** Whether a grant is one of {@link admittedPrivilegedGrants}. */
export function isAdmittedPrivilegedGrant(
  module: string | undefined,
  type: string,
  role: string,
  member: string | undefined,
): boolean {
  return admittedPrivilegedGrants.some(
    (grant) =>
      grant.module === module &&
      grant.type === type &&
      grant.role === role &&
      member !== undefined &&
      grant.member.test(member),
  );
}
