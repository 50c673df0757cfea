import type { DesiredState } from '../governance/desired-state.ts';
import { isBasicRole, isPrivilegedRole } from '../plan-guard/privileged-roles.ts';
import { isPublicPrincipal } from '../plan-guard/public-principals.ts';
import type { DriftSeverity } from './drift-finding.ts';

/** Who belongs to the organization: its people's domains and, with federation, its workforce pool. */
export interface OrganizationIdentity {
  /** Domains of the organization's Cloud Identity accounts, lower case. */
  readonly domains: readonly string[];
  /** `//iam.googleapis.com/locations/global/workforcePools/<pool>`, when people sign in through one. */
  readonly workforcePool?: string;
}

/** What the organization's identity is, as the manifests declare it (see `principalsOf`). */
export function organizationIdentity(state: DesiredState): OrganizationIdentity {
  const manifest = state.organization?.manifest;
  const spec = manifest?.kind === 'Organization' ? manifest.spec : undefined;
  const domains = [spec?.domain?.external, spec?.domain?.internal]
    .filter((domain): domain is string => domain !== undefined)
    .map((domain) => domain.toLowerCase());
  return spec?.workforceFederation === undefined
    ? { domains }
    : {
        domains,
        workforcePool: `//iam.googleapis.com/locations/global/workforcePools/${manifest?.metadata.name ?? ''}`,
      };
}

/** What the severity of an unmanaged grant is judged with. */
export interface GrantContext {
  readonly organization: OrganizationIdentity;
  /** Ids of the organization's projects: live, or declared. */
  readonly knownProjects: ReadonlySet<string>;
  /** Project ids by number, for the accounts named by number. */
  readonly knownProjectNumbers: ReadonlyMap<string, string>;
}

/**
 * How much an unmanaged grant matters: critical when it makes the resource public, when
 * the role is a basic role (owner, editor, viewer) or administers something (a privileged
 * role, or any role whose name ends in `admin`), or when the member is outside the
 * organization; high otherwise, as every IAM change is.
 */
export function grantSeverity(role: string, member: string, context: GrantContext): DriftSeverity {
  if (isPublicPrincipal(member) || isBasicRole(role) || isAdminRole(role)) return 'critical';
  return isExternalMember(member, context) ? 'critical' : 'high';
}

/** Whether a role administers what it is granted on: privileged, or named `…admin`. */
export function isAdminRole(role: string): boolean {
  return isPrivilegedRole(role) || /admin$/i.test(role.slice(role.lastIndexOf('.') + 1));
}

/**
 * Whether a member is outside the organization: an account of another domain, a service
 * account of a project the organization does not hold, a principal of another identity
 * pool. A deleted member (`deleted:…`) is no one any more, so not external.
 */
export function isExternalMember(member: string, context: GrantContext): boolean {
  const colon = member.indexOf(':');
  const type = member.slice(0, colon);
  const name = member.slice(colon + 1).toLowerCase();
  const domain = name.slice(name.lastIndexOf('@') + 1);
  switch (type) {
    case 'user':
    case 'group':
      return !context.organization.domains.includes(domain);
    case 'domain':
      return !context.organization.domains.includes(name);
    case 'serviceAccount':
      return !isOwnServiceAccount(name, domain, context);
    case 'principal':
    case 'principalSet': {
      const pool = context.organization.workforcePool;
      if (pool !== undefined && name.startsWith(`${pool.toLowerCase()}/`)) return false;
      // A workload identity pool of one of the organization's projects.
      const number = /^\/\/iam\.googleapis\.com\/projects\/(\d+)\//.exec(name)?.[1];
      return number === undefined || !context.knownProjectNumbers.has(number);
    }
    case 'deleted':
      return false;
    default:
      return true;
  }
}

/** `<id>@<project>.iam…`, `<number>-compute@developer…` or `<project>@appspot…` of a known project. */
function isOwnServiceAccount(email: string, domain: string, context: GrantContext): boolean {
  const iam = /^([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(domain);
  if (iam !== null) return context.knownProjects.has(iam[1] ?? '');
  if (domain === 'developer.gserviceaccount.com')
    return context.knownProjectNumbers.has(/^(\d+)-compute@/.exec(email)?.[1] ?? '');
  if (domain === 'appspot.gserviceaccount.com')
    return context.knownProjects.has(email.slice(0, email.indexOf('@')));
  return false;
}
