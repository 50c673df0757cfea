import { editedOrganization, type Edit } from './base-organization.ts';
import type { RepositoryFile } from '../../shared/core/validate/validate-repository.ts';

/** The Secret the consent cases move from staging to production. */
export const MOVED_SECRET = 'payments/staging/shop/extra.yaml';

const user = (name: string, login: string): Edit => ({
  file: `users/${name}.yaml`,
  content: `apiVersion: lowops.manifests.v1
kind: OrganizationUser
metadata:
  name: ${name}
  organization: acme
spec:
  primaryEmail: ${name}@acme.example.com
  identity:
    firstName: ${name}
    lastName: Example
  externalAccounts:
    - sourceType: GITHUB
      sourceName: default
      username: ${login}
`,
});

const team = (name: string, users: readonly string[], parent = ''): Edit => ({
  file: `groups/${name}.yaml`,
  content: `apiVersion: lowops.manifests.v1
kind: OrganizationUserGroup
metadata:
  name: ${name}
  organization: acme
spec:
  description: The ${name}
  parent: "${parent}"
  members:
    users:
${users.map((member) => `      - ${member}`).join('\n')}
`,
});

const secret = (environment: string): Edit => ({
  file: MOVED_SECRET,
  content: `apiVersion: lowops.manifests.v1
kind: Secret
metadata:
  name: extra
  project: shop
  environment: ${environment}
  organizational-unit: payments
  organization: acme
spec:
  description: An extra secret
`,
});

/**
 * Production is owned by the platform team (alice) and the production team (bob, and erin
 * through the on-call team below it); staging by the staging team (carol, dave).
 */
const people: Edit[] = [
  user('bob', 'Bob-GH'),
  user('carol', 'carol-gh'),
  user('dave', 'dave-gh'),
  user('erin', 'erin-gh'),
  team('production-team', ['bob']),
  team('on-call', ['erin'], 'production-team'),
  team('staging-team', ['carol', 'dave']),
  ...['staging', 'production'].map((environment) => ({
    file: `payments/${environment}/environment.yaml`,
    append: `  permissions:\n    contributors:\n      groups:\n        - ${environment}-team\n`,
  })),
];

/**
 * The base organization with those people and teams, and the extra Secret in `environment`:
 * moved from staging to production, it needs the consent of production's owners.
 */
export function consentOrganization(environment: 'staging' | 'production'): RepositoryFile[] {
  return editedOrganization(...people, secret(environment));
}
