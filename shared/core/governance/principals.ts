import type { DesiredState } from './desired-state.ts';

/** How group and user names become IAM members. */
export interface Principals {
  group(name: string): string;
  user(name: string): string;
}

/**
 * Principals come from the manifests:
 * - with `Organization.spec.workforceFederation`, people sign in through the workforce
 *   pool named after the organization: a group is
 *   `principalSet://iam.googleapis.com/locations/global/workforcePools/<org>/group/<group>`
 *   and a user `principal://…/workforcePools/<org>/subject/<primaryEmail>`;
 * - otherwise they are Cloud Identity accounts: a group is
 *   `group:<group>@<Organization.spec.domain.external>` and a user
 *   `user:<OrganizationUser.spec.primaryEmail>`.
 */
export function principalsOf(state: DesiredState): Principals {
  const organization = state.organization?.manifest;
  const spec = organization?.kind === 'Organization' ? organization.spec : undefined;
  const emails = new Map<string, string>();
  for (const node of state.nodes.values()) {
    if (node.manifest.kind === 'OrganizationUser')
      emails.set(node.name, node.manifest.spec.primaryEmail);
  }
  const email = (name: string) => emails.get(name) ?? `${name}@unknown.invalid`;
  if (spec?.workforceFederation !== undefined) {
    const pool = `//iam.googleapis.com/locations/global/workforcePools/${organization?.metadata.name ?? ''}`;
    return {
      group: (name) => `principalSet:${pool}/group/${name}`,
      user: (name) => `principal:${pool}/subject/${email(name)}`,
    };
  }
  const domain =
    spec?.domain?.external ?? `${organization?.metadata.name ?? 'organization'}.invalid`;
  return {
    group: (name) => `group:${name}@${domain}`,
    user: (name) => `user:${email(name)}`,
  };
}
