import * as v from 'valibot';
import { email, githubLogin, name, names, strict, text } from '../fields.ts';

/** A person. Their GitHub account is what CODEOWNERS names them by. */
export const organizationUserSpec = strict({
  primaryEmail: email,
  identity: strict({
    firstName: v.pipe(v.string(), v.nonEmpty('expected a first name')),
    middleName: v.optional(v.string()),
    lastName: v.pipe(v.string(), v.nonEmpty('expected a last name')),
  }),
  externalAccounts: v.optional(
    v.array(
      strict({ sourceType: v.picklist(['GITHUB']), sourceName: name, username: githubLogin }),
    ),
  ),
  emailAliases: v.optional(v.array(email)),
});

/** A group of people, and the GitHub team of the same name. */
export const organizationUserGroupSpec = strict({
  description: v.optional(text),
  // The format writes "" for a group at the top.
  parent: v.optional(
    v.union(
      [v.literal(''), name],
      (issue) => `expected a group name or "", found ${issue.received}`,
    ),
  ),
  members: v.optional(strict({ users: v.optional(names), external: v.optional(v.array(email)) })),
});
