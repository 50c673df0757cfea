import type { Octokit } from '@octokit/rest';
import { GitHubError, gitHubError } from './github-error.ts';

/** An entry of a git tree listing, as GitHub's tree API gives it. */
export interface RawTreeEntry {
  readonly path: string;
  readonly mode?: unknown;
  readonly type?: unknown;
  readonly sha?: unknown;
  readonly size?: unknown;
}

/**
 * The files a commit changed since another, or undefined when that is not known; GitHub's
 * compare answers it. Only ever a hint: see {@link createTreeLister}.
 */
export type ChangedFiles = (
  repository: { readonly owner: string; readonly name: string },
  base: string,
  head: string,
) => Promise<readonly string[] | undefined>;

/** Trees fetched one level at a time before a listing falls back to one recursive request. */
const MAX_TREE_REQUESTS = 24;
/** Folders asked for in one GraphQL request; a change touching more walks level by level. */
const MAX_PREFETCHED_FOLDERS = 100;
const OBJECT_ID = /^[0-9a-f]{40}$/;
/** Listings kept, counted in entries: a 100,000-file repository fits twice. */
const MAX_KEPT_ENTRIES = 200_000;

/**
 * Lists the whole tree of a commit. The first listing is one recursive request; it is kept
 * by tree id, so the next commit's listing fetches only the directories whose ids changed
 * (one request per changed level, a few for a push of one file) and takes every other
 * directory as it was. Tree ids name content, so what is kept can never be stale. A
 * listing that would need many requests (a large change) is one recursive request again.
 *
 * Walking level by level costs one round trip per level of the deepest change. Given
 * `changedFiles`, the lister first asks which files changed since the commit it listed last,
 * and fetches every folder on their way in one GraphQL request, so that the walk finds them
 * kept: two round trips, however deep the change. The answer is a hint and nothing more:
 * folders are still found by tree id from the commit's root, so a folder the hint missed is
 * fetched by the walk, and one it named wrongly is never reached.
 */
export function createTreeLister(octokit: Octokit, changedFiles?: ChangedFiles) {
  /** Direct children of a tree, by tree id: names only, as in a non-recursive listing. */
  const trees = new Map<string, readonly RawTreeEntry[]>();
  let kept = 0;
  /** The commit each repository was last listed at, the base of the next hint. */
  const lastListed = new Map<string, string>();

  const keep = (sha: string, children: readonly RawTreeEntry[]) => {
    if (trees.has(sha)) return;
    if (kept + children.length > MAX_KEPT_ENTRIES) {
      trees.clear();
      kept = 0;
    }
    trees.set(sha, children);
    kept += children.length;
  };

  const request = async (
    repository: { readonly owner: string; readonly name: string },
    sha: string,
    recursive: boolean,
    doing: string,
  ): Promise<{ sha: string; tree: RawTreeEntry[] }> => {
    let data: { sha?: unknown; tree?: unknown; truncated?: unknown };
    try {
      ({ data } = await octokit.rest.git.getTree({
        owner: repository.owner,
        repo: repository.name,
        tree_sha: sha,
        ...(recursive ? { recursive: '1' } : {}),
      }));
    } catch (error) {
      throw gitHubError(error, doing);
    }
    // GitHub cuts listings at 100,000 entries or 7 MB; a partial tree would read as
    // deleted manifests.
    if (data.truncated !== false) {
      throw new GitHubError(
        `${doing}: GitHub answered a truncated tree (over its 100,000 entries or 7 MB); ` +
          'refusing to read part of the repository',
        undefined,
        'permanent',
      );
    }
    if (!Array.isArray(data.tree) || typeof data.sha !== 'string') {
      throw new GitHubError(`${doing}: the answer has no tree list`, undefined, 'permanent');
    }
    return { sha: data.sha, tree: data.tree as RawTreeEntry[] };
  };

  /** Keeps every directory of a recursive listing, so later listings can reuse them. */
  const keepRecursive = (rootSha: string, entries: readonly RawTreeEntry[]) => {
    const shaOf = new Map<string, string>([['', rootSha]]);
    const children = new Map<string, RawTreeEntry[]>([['', []]]);
    for (const entry of entries) {
      if (entry.type === 'tree' && typeof entry.sha === 'string') {
        shaOf.set(entry.path, entry.sha);
        children.set(entry.path, []);
      }
    }
    for (const entry of entries) {
      const slash = entry.path.lastIndexOf('/');
      const parent = slash === -1 ? '' : entry.path.slice(0, slash);
      children.get(parent)?.push({ ...entry, path: entry.path.slice(slash + 1) });
    }
    for (const [path, sha] of shaOf) keep(sha, children.get(path) ?? []);
  };

  /** The ids of folders under a kept folder whose own listing is not kept. */
  const missingBelow = (rootSha: string): string[] => {
    const missing = new Set<string>();
    const seen = new Set<string>();
    const visit = (sha: string) => {
      for (const entry of trees.get(sha) ?? []) {
        if (entry.type !== 'tree' || typeof entry.sha !== 'string' || seen.has(entry.sha)) continue;
        seen.add(entry.sha);
        if (trees.has(entry.sha)) visit(entry.sha);
        else missing.add(entry.sha);
      }
    };
    visit(rootSha);
    return [...missing];
  };

  /**
   * Keeps every folder on the way to a file changed since `base`, fetched in one GraphQL
   * request; the commit's root, when it came. Any failure leaves the walk to do it all.
   */
  const prefetch = async (
    repository: { readonly owner: string; readonly name: string },
    base: string,
    commit: string,
  ): Promise<{ sha: string; tree: RawTreeEntry[] } | undefined> => {
    try {
      const files = await changedFiles?.(repository, base, commit);
      if (files === undefined) return undefined;
      const folders = new Set(['']);
      for (const file of files) {
        for (let slash = file.lastIndexOf('/'); slash > 0; slash = file.lastIndexOf('/', slash - 1))
          folders.add(file.slice(0, slash));
      }
      if (folders.size > MAX_PREFETCHED_FOLDERS) return undefined;
      const paths = [...folders];
      // Expressions travel as variables: a path is data, never part of the query's text.
      const declared = paths.map((_, index) => `$e${String(index)}: String!`).join(', ');
      const selected = paths
        .map(
          (_, index) => `t${String(index)}: object(expression: $e${String(index)}) { ...folder }`,
        )
        .join(' ');
      const data = await octokit.graphql<{ repository?: Record<string, unknown> | null }>(
        `query($owner: String!, $name: String!, ${declared}) { repository(owner: $owner, name: $name) { ${selected} } } fragment folder on Tree { oid entries { name mode type oid } }`,
        {
          owner: repository.owner,
          name: repository.name,
          ...Object.fromEntries(
            paths.map((path, index) => [`e${String(index)}`, `${commit}:${path}`]),
          ),
        },
      );
      let root: { sha: string; tree: RawTreeEntry[] } | undefined;
      for (const [index, path] of paths.entries()) {
        const folder = graphqlFolder(data.repository?.[`t${String(index)}`]);
        if (folder === undefined) continue;
        keep(folder.sha, folder.tree);
        if (path === '') root = folder;
      }
      return root;
    } catch {
      return undefined;
    }
  };

  return async function listTree(
    repository: { readonly owner: string; readonly name: string },
    commit: string,
    doing: string,
  ): Promise<readonly RawTreeEntry[]> {
    const name = `${repository.owner}/${repository.name}`.toLowerCase();
    const listing = await list(repository, commit, doing, lastListed.get(name));
    lastListed.set(name, commit);
    return listing;
  };

  async function list(
    repository: { readonly owner: string; readonly name: string },
    commit: string,
    doing: string,
    base: string | undefined,
  ): Promise<readonly RawTreeEntry[]> {
    const recursively = async () => {
      const whole = await request(repository, commit, true, doing);
      keepRecursive(whole.sha, whole.tree);
      return whole.tree;
    };
    if (trees.size === 0) return recursively();

    const root =
      (base === undefined || base === commit
        ? undefined
        : await prefetch(repository, base, commit)) ??
      (await request(repository, commit, false, doing));
    keep(root.sha, root.tree);
    let requests = 1;
    // Folders reachable from the root whose listing is not kept, fetched a level at a time.
    for (
      let missing = missingBelow(root.sha);
      missing.length > 0;
      missing = missingBelow(root.sha)
    ) {
      requests += missing.length;
      if (requests > MAX_TREE_REQUESTS) return recursively();
      const fetched = await Promise.all(
        missing.map((sha) => request(repository, sha, false, `${doing} (tree ${sha})`)),
      );
      for (const [index, sha] of missing.entries())
        keep(sha, (fetched[index] as { tree: RawTreeEntry[] }).tree);
    }

    // Flattened in the order a recursive listing gives. A directory kept earlier may have
    // lost a descendant since (the keep limit): then the listing is not trusted, and the
    // tree is read whole again rather than in part.
    const listing: RawTreeEntry[] = [];
    const walk = (sha: string, prefix: string): boolean => {
      const children = trees.get(sha);
      if (children === undefined) return false;
      for (const entry of children) {
        const path = `${prefix}${entry.path}`;
        listing.push({ ...entry, path });
        if (entry.type === 'tree' && typeof entry.sha === 'string' && !walk(entry.sha, `${path}/`))
          return false;
      }
      return true;
    };
    return walk(root.sha, '') ? listing : recursively();
  }
}

/** A folder as GraphQL gives it (modes are numbers there), as the REST listing gives it. */
function graphqlFolder(value: unknown): { sha: string; tree: RawTreeEntry[] } | undefined {
  const { oid, entries } = (value ?? {}) as { oid?: unknown; entries?: unknown };
  if (typeof oid !== 'string' || !OBJECT_ID.test(oid) || !Array.isArray(entries)) return undefined;
  const tree: RawTreeEntry[] = [];
  for (const entry of entries as unknown[]) {
    const { name, mode, type, oid: sha } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof mode !== 'number' || typeof sha !== 'string')
      return undefined;
    tree.push({ path: name, mode: mode.toString(8).padStart(6, '0'), type, sha });
  }
  return { sha: oid, tree };
}
