import type { DesiredState } from '../governance/desired-state.ts';
import type { Provenance } from '../governance/governance-model.ts';
import { createIssue, type Issue } from '../issues/issue.ts';
import { locate, type SourceDocument } from '../parse/source-document.ts';
import { FOLDER_DISPLAY_NAME } from './cloud-names.ts';
import type { GeneratedName } from './generated-name.ts';
import { listGeneratedNames } from './generated-names.ts';

/**
 * Refuses what cannot be named: two declarations that would get one identifier
 * (`naming/collision`, reported in both files, each pointing at the other), and a folder
 * display name Google Cloud would refuse (`naming/unrepresentable`). Every identifier is
 * taken from `listGeneratedNames`, which uses the renderer's own naming functions, so
 * what was checked is what is rendered.
 */
export function checkNaming(state: DesiredState): Issue[] {
  const sources = new Map<string, SourceDocument>();
  for (const node of state.nodes.values()) sources.set(node.file, node.source);
  const issues: Issue[] = [];

  for (const node of state.nodes.values()) {
    const m = node.manifest;
    if (m.kind !== 'OrganizationalUnit' && m.kind !== 'Environment') continue;
    const displayName = m.spec.displayName;
    if (displayName === undefined || displayName === m.metadata.name) continue;
    if (FOLDER_DISPLAY_NAME.test(displayName)) continue;
    issues.push(
      createIssue(
        'naming/unrepresentable',
        locate(node.source, '/spec/displayName'),
        `displayName: expected a folder's display name (3-30 letters, digits, spaces, hyphens or underscores, starting and ending with a letter or digit), found ${JSON.stringify(displayName)}`,
      ),
    );
  }

  const reported = new Map<string, { issue: number; others: number }>();
  for (const claims of collisions(listGeneratedNames(state))) {
    claims.forEach((claim, index) => {
      const other = claims[index === 0 ? 1 : 0] as GeneratedName;
      const source = sources.get(claim.cause.file);
      const otherSource = sources.get(other.cause.file);
      if (source === undefined || otherSource === undefined) return;
      // One issue per pair of places: two applications of one name collide in many names.
      const pair = `${place(claim.cause)}\n${place(other.cause)}`;
      const seen = reported.get(pair);
      if (seen !== undefined) {
        seen.others++;
        return;
      }
      reported.set(pair, { issue: issues.length, others: 0 });
      const name = claim.tail === true ? `<projectPrefix>-…${claim.name}` : claim.name;
      issues.push(
        createIssue(
          'naming/collision',
          locate(source, claim.cause.pointer),
          `expected each ${claim.namespace} to stand for one thing, found "${name}" made for ${claim.owner} and for ${other.owner}; rename one of them`,
          [
            {
              ...locate(otherSource, other.cause.pointer),
              message: `${other.owner} is declared here`,
            },
          ],
        ),
      );
    });
  }
  for (const { issue, others } of reported.values()) {
    const found = issues[issue];
    if (found !== undefined && others > 0)
      issues[issue] = {
        ...found,
        message: `${found.message} (they share ${others} other name${others === 1 ? '' : 's'} too)`,
      };
  }
  return issues;
}

/** The claims of each name that more than one thing claims, one per owner, in listing order. */
function collisions(names: readonly GeneratedName[]): GeneratedName[][] {
  // By namespace, then by name: a key joining the two would be a new string per name, to
  // be flattened and hashed. Most names are claimed once: the first claim is kept as its
  // position in the listing, which orders the collisions as their first claims come.
  const byNamespace = new Map<string, Map<string, number | GeneratedName[]>>();
  const claimed: { readonly first: number; readonly claims: GeneratedName[] }[] = [];
  names.forEach((name, index) => {
    let byName = byNamespace.get(name.namespace);
    if (byName === undefined)
      byNamespace.set(name.namespace, (byName = new Map<string, number | GeneratedName[]>()));
    const claims = byName.get(name.name);
    if (claims === undefined) byName.set(name.name, index);
    else if (typeof claims === 'number') {
      const first = names[claims] as GeneratedName;
      if (first.owner === name.owner) return;
      const pair = [first, name];
      byName.set(name.name, pair);
      claimed.push({ first: claims, claims: pair });
    } else if (!claims.some((claim) => claim.owner === name.owner)) claims.push(name);
  });
  return claimed.sort((a, b) => a.first - b.first).map(({ claims }) => claims);
}

function place(cause: Provenance): string {
  return `${cause.file}#${cause.pointer}`;
}
