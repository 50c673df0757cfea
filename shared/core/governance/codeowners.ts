import { createIssue, type Issue } from '../issues/issue.ts';
import { locate } from '../parse/source-document.ts';
import { accessLevels } from '../manifests/permissions.ts';
import type { DesiredState, GraphNode } from './desired-state.ts';
import type { EffectivePermissions } from './effective-permissions.ts';
import { ACKNOWLEDGEMENTS_FILE } from '../drift/drift-acknowledgements.ts';

/** GitHub ignores a CODEOWNERS file of 3 MB or more. */
export const CODEOWNERS_MAX_BYTES = 3 * 1024 * 1024;

/** One line of CODEOWNERS: a path pattern and its owners. */
export interface CodeownersLine {
  readonly pattern: string;
  readonly owners: readonly string[];
  /** The manifest file the line is for; absent for the `*` line. */
  readonly file?: string;
}

/** The CODEOWNERS of a repository and what stood in the way of writing it. */
export interface Codeowners {
  readonly lines: readonly CodeownersLine[];
  /** The file's content, exactly: lines joined by `\n`, no trailing newline. */
  readonly text: string;
  readonly issues: readonly Issue[];
}

/**
 * CODEOWNERS as the format's reference platform writes it: `*` and the Organization's
 * owners, then one line per manifest file in path order. A manifest's owners are the
 * administrators and contributors of the manifest and of every ancestor (viewers read,
 * they do not own). Groups are GitHub teams `@<github organization>/<group>`; members are
 * `@<their GitHub username>`. Unlike the reference platform, HttpRoutes get lines too.
 */
export function computeCodeowners(
  state: DesiredState,
  maxBytes: number = CODEOWNERS_MAX_BYTES,
): Codeowners {
  const issues: Issue[] = [];
  const organization = state.organization;
  const githubOrganization =
    organization?.manifest.kind === 'Organization'
      ? organization.manifest.spec.github?.organization
      : undefined;
  if (organization !== undefined && githubOrganization === undefined) {
    issues.push(
      createIssue(
        'codeowners/no-github-organization',
        locate(organization.source, '/spec', 'key'),
        'spec.github.organization: expected the GitHub organization that owns the group teams, found nothing; groups are left out of CODEOWNERS',
      ),
    );
  }

  const usernames = new Map<string, string>();
  const usersWithout = new Map<string, GraphNode>();
  for (const node of state.nodes.values()) {
    if (node.manifest.kind !== 'OrganizationUser') continue;
    const account = node.manifest.spec.externalAccounts?.find(isGithubAccount);
    if (account === undefined) usersWithout.set(node.name, node);
    else usernames.set(node.name, account.username);
  }
  const reported = new Set<string>();

  // Most manifests share their parent's permissions object: their owners are worked out once.
  const ownersByPermissions = new Map<GraphNode['permissions'], string[]>();
  const ownersOf = (node: GraphNode): string[] => {
    let owners = ownersByPermissions.get(node.permissions);
    if (owners === undefined) {
      owners = computeOwners(node);
      ownersByPermissions.set(node.permissions, owners);
    }
    return owners;
  };
  const computeOwners = (node: GraphNode): string[] => {
    const owners = new Set<string>();
    for (const level of ['administrators', 'contributors'] as const) {
      if (githubOrganization !== undefined) {
        for (const group of node.permissions[level].groups)
          owners.add(`@${githubOrganization}/${group}`);
      }
      for (const member of node.permissions[level].members) {
        const username = usernames.get(member);
        if (username !== undefined) owners.add(`@${username}`);
        else if (!reported.has(member)) {
          reported.add(member);
          const user = usersWithout.get(member);
          if (user !== undefined) {
            issues.push(
              createIssue(
                'codeowners/member-without-github',
                locate(user.source, '/spec', 'key'),
                `spec.externalAccounts: expected a GITHUB account, since ${member} owns manifests; found none, so CODEOWNERS leaves ${member} out`,
              ),
            );
          }
        }
      }
    }
    // The default sort is code-unit order, as compareStrings, without a callback per comparison.
    return [...owners].sort();
  };

  const lines: CodeownersLine[] = [];
  if (organization !== undefined) lines.push({ pattern: '*', owners: ownersOf(organization) });
  const byFile = new Map<string, GraphNode>();
  for (const node of state.nodes.values())
    if (node.kind !== 'Organization') byFile.set(node.file, node);
  // The default sort is code-unit order, as compareStrings, without a callback per comparison.
  for (const file of [...byFile.keys()].sort()) {
    const node = byFile.get(file) as GraphNode;
    const pattern = escapePath(node.file);
    if (pattern === undefined) {
      issues.push(
        createIssue(
          'codeowners/unrepresentable-path',
          { file: node.file, pointer: '', line: 1, column: 1 },
          `expected a path CODEOWNERS can hold, found one with a line break; rename the file`,
        ),
      );
      continue;
    }
    const owners = ownersOf(node);
    // A line without owners would take ownership away; leaving it out falls back to `*`.
    if (owners.length > 0) lines.push({ pattern, owners, file: node.file });
  }

  if (organization !== undefined) {
    // Accepting drift is the administrators' call alone; last, so that no other line wins.
    const administrators = organizationAdministrators(organization, githubOrganization, usernames);
    if (administrators.length > 0)
      lines.push({ pattern: `/${ACKNOWLEDGEMENTS_FILE}`, owners: administrators });
  }

  // Most lines share their owners with many others: each list of owners is joined once.
  const joinedOwners = new Map<readonly string[], string>();
  const lineText = (line: CodeownersLine) => {
    if (line.owners.length === 0) return line.pattern;
    let owners = joinedOwners.get(line.owners);
    if (owners === undefined) joinedOwners.set(line.owners, (owners = line.owners.join(' ')));
    return `${line.pattern} ${owners}`;
  };
  const text = lines.map(lineText).join('\n');
  const bytes = new TextEncoder().encode(text).length;
  if (bytes >= maxBytes && organization !== undefined) {
    issues.push(
      createIssue(
        'codeowners/too-large',
        locate(organization.source, '/metadata/name'),
        `expected CODEOWNERS under GitHub's limit of ${maxBytes} bytes, found ${bytes}: GitHub would ignore it`,
      ),
    );
  }
  return { lines, text, issues };
}

/** The text of CODEOWNERS lines: each line's pattern and owners, lines joined by `\n`. */
export function formatCodeowners(lines: readonly CodeownersLine[]): string {
  // Most lines share their owners with many others: each list of owners is joined once.
  const joinedOwners = new Map<readonly string[], string>();
  const lineText = (line: CodeownersLine) => {
    if (line.owners.length === 0) return line.pattern;
    let owners = joinedOwners.get(line.owners);
    if (owners === undefined) joinedOwners.set(line.owners, (owners = line.owners.join(' ')));
    return `${line.pattern} ${owners}`;
  };
  return lines.map(lineText).join('\n');
}

/**
 * Writes a repository path as a CODEOWNERS pattern that matches exactly that file.
 * CODEOWNERS patterns follow .gitignore: `\` escapes a space, a leading `#` or `!`, and the
 * glob characters; a path with no `/` would match that name in every folder, so a file at
 * the root is anchored with a leading `/`. Line breaks cannot be written at all.
 */
export function escapePath(path: string): string | undefined {
  // Nearly every path needs no escaping: one test spares the replacements for them.
  if (!/^[#!]|[\\ *?[\]\r\n]/.test(path)) return path.includes('/') ? path : `/${path}`;
  if (/[\r\n]/.test(path)) return undefined;
  const escaped = path.replace(/[\\ *?[\]]/g, '\\$&').replace(/^[#!]/, '\\$&');
  return path.includes('/') ? escaped : `/${escaped}`;
}

/**
 * The CODEOWNERS of a revision, taken from an earlier revision's when nothing it is
 * computed from changed: the Organization and the users as they were (the same nodes),
 * and the same manifests in the same files with the same effective permissions.
 */
export function computeCodeownersIncrementally(
  base: { readonly state: DesiredState; readonly codeowners: Codeowners },
  head: DesiredState,
): Codeowners {
  return sameOwnership(base.state, head) ? base.codeowners : computeCodeowners(head);
}

function sameOwnership(base: DesiredState, head: DesiredState): boolean {
  if (base.organization !== head.organization || base.nodes.size !== head.nodes.size) return false;
  const before = base.nodes.values();
  for (const after of head.nodes.values()) {
    const node = before.next().value;
    if (node === after) continue;
    if (
      node === undefined ||
      node.id !== after.id ||
      node.kind !== after.kind ||
      node.file !== after.file ||
      after.kind === 'OrganizationUser' ||
      !samePermissions(node.permissions, after.permissions)
    )
      return false;
  }
  return true;
}

function samePermissions(a: EffectivePermissions, b: EffectivePermissions): boolean {
  const same = (x: readonly string[], y: readonly string[]) =>
    x === y || (x.length === y.length && x.every((item, index) => item === y[index]));
  return (
    a === b ||
    accessLevels.every(
      (level) => same(a[level].groups, b[level].groups) && same(a[level].members, b[level].members),
    )
  );
}

/** The Organization's administrators (not its contributors), as CODEOWNERS names them. */
function organizationAdministrators(
  organization: GraphNode,
  githubOrganization: string | undefined,
  usernames: ReadonlyMap<string, string>,
): string[] {
  const { groups, members } = organization.permissions.administrators;
  const owners = [
    ...(githubOrganization === undefined
      ? []
      : groups.map((group) => `@${githubOrganization}/${group}`)),
    ...members.flatMap((member) => {
      const username = usernames.get(member);
      return username === undefined ? [] : [`@${username}`];
    }),
  ];
  return [...new Set(owners)].sort();
}

/** Accounts are GitHub ones today; the format leaves room for other sources. */
function isGithubAccount(account: { readonly sourceType: string }): boolean {
  return account.sourceType === 'GITHUB';
}
