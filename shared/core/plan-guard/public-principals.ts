import { forbiddenMembers } from '../governance/iam-roles.ts';

// Every spelling of "anyone" IAM accepts: the two special members and the v2 principal set.
const publicNames = new Set(
  [...forbiddenMembers, 'principalSet://goog/public:all'].map((name) => name.toLowerCase()),
);

/**
 * Whether an IAM member stands for anyone on the internet: `allUsers`,
 * `allAuthenticatedUsers` or `principalSet://goog/public:all`, in any case, with or
 * without a `user:`-like prefix in front.
 */
export function isPublicPrincipal(member: string): boolean {
  const name = member.trim().toLowerCase();
  if (publicNames.has(name)) return true;
  const colon = name.indexOf(':');
  return (
    colon > 0 &&
    /^[a-z]+$/.test(name.slice(0, colon)) &&
    publicNames.has(name.slice(colon + 1).trim())
  );
}
