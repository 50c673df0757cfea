import type { DesiredState } from './desired-state.ts';

/**
 * Who may approve for an owner as CODEOWNERS names it (`@org/team`, `@login`, an email): the
 * GitHub logins, lowercase, that the manifests give it. A team is its group's users and the
 * users of every group below it (GitHub's nested teams: a child team's members belong to the
 * parent); a user is their GITHUB account; an email is the user whose primary email or alias
 * it is. An owner the manifests cannot resolve has no approvers, so nobody can consent for it.
 */
export type ConsentApprovers = (owner: string) => ReadonlySet<string>;

const NOBODY: ReadonlySet<string> = new Set();

/**
 * Resolves owners from one revision's people and groups. The pipeline passes the base
 * revision: a pull request that adds its author to a group must not make them able to
 * consent for that group's scopes.
 */
export function consentApprovers(state: DesiredState): ConsentApprovers {
  const organization = state.organization?.manifest;
  const githubOrganization =
    organization?.kind === 'Organization'
      ? organization.spec.github?.organization.toLowerCase()
      : undefined;
  const loginOfUser = new Map<string, string>();
  const loginOfEmail = new Map<string, string>();
  const usersOfGroup = new Map<string, readonly string[]>();
  const childrenOfGroup = new Map<string, string[]>();
  for (const node of state.nodes.values()) {
    const manifest = node.manifest;
    if (manifest.kind === 'OrganizationUser') {
      const account = manifest.spec.externalAccounts?.find(isGithubAccount);
      if (account === undefined) continue;
      const login = account.username.toLowerCase();
      loginOfUser.set(node.name, login);
      for (const email of [manifest.spec.primaryEmail, ...(manifest.spec.emailAliases ?? [])])
        loginOfEmail.set(email.toLowerCase(), login);
    } else if (manifest.kind === 'OrganizationUserGroup') {
      usersOfGroup.set(node.name, manifest.spec.members?.users ?? []);
      const parent = manifest.spec.parent;
      if (parent !== undefined && parent !== '') {
        const siblings = childrenOfGroup.get(parent);
        if (siblings === undefined) childrenOfGroup.set(parent, [node.name]);
        else siblings.push(node.name);
      }
    }
  }

  const membersOfGroup = (group: string): ReadonlySet<string> => {
    const logins = new Set<string>();
    // Validation refuses parent cycles; the visited set keeps an invalid base finite anyway.
    const visited = new Set<string>();
    const pending = [group];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (visited.has(next)) continue;
      visited.add(next);
      for (const user of usersOfGroup.get(next) ?? []) {
        const login = loginOfUser.get(user);
        if (login !== undefined) logins.add(login);
      }
      pending.push(...(childrenOfGroup.get(next) ?? []));
    }
    return logins;
  };

  const resolved = new Map<string, ReadonlySet<string>>();
  return (owner) => {
    const key = owner.toLowerCase();
    let approvers = resolved.get(key);
    if (approvers === undefined) {
      approvers = resolve(key);
      resolved.set(key, approvers);
    }
    return approvers;
  };

  function resolve(owner: string): ReadonlySet<string> {
    if (!owner.startsWith('@')) {
      const login = loginOfEmail.get(owner);
      return login === undefined ? NOBODY : new Set([login]);
    }
    const [first, team, ...rest] = owner.slice(1).split('/');
    if (team === undefined) {
      // A login CODEOWNERS names is one the manifests gave a user; any other is not theirs.
      const login = first ?? '';
      return [...loginOfUser.values()].includes(login) ? new Set([login]) : NOBODY;
    }
    if (rest.length > 0 || first !== githubOrganization || !usersOfGroup.has(team)) return NOBODY;
    return membersOfGroup(team);
  }
}

function isGithubAccount(account: { readonly sourceType: string }): boolean {
  return account.sourceType === 'GITHUB';
}
