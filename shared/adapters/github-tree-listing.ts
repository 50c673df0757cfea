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

/** Trees fetched one level at a time before a listing falls back to one recursive request. */
const MAX_TREE_REQUESTS = 24;
/** Listings kept, counted in entries: a 100,000-file repository fits twice. */
const MAX_KEPT_ENTRIES = 200_000;

/**
 * Lists the whole tree of a commit. The first listing is one recursive request; it is kept
 * by tree id, so the next commit's listing fetches only the directories whose ids changed
 * (one request per changed level, a few for a push of one file) and takes every other
 * directory as it was. Tree ids name content, so what is kept can never be stale. A
 * listing that would need many requests (a large change) is one recursive request again.
 */
export function createTreeLister(octokit: Octokit) {
  /** Direct children of a tree, by tree id: names only, as in a non-recursive listing. */
  const trees = new Map<string, readonly RawTreeEntry[]>();
  let kept = 0;

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
        false,
      );
    }
    if (!Array.isArray(data.tree) || typeof data.sha !== 'string') {
      throw new GitHubError(`${doing}: the answer has no tree list`, undefined, false);
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

  return async function listTree(
    repository: { readonly owner: string; readonly name: string },
    commit: string,
    doing: string,
  ): Promise<readonly RawTreeEntry[]> {
    const recursively = async () => {
      const whole = await request(repository, commit, true, doing);
      keepRecursive(whole.sha, whole.tree);
      return whole.tree;
    };
    if (trees.size === 0) return recursively();

    const root = await request(repository, commit, false, doing);
    keep(root.sha, root.tree);
    let requests = 1;
    // Directories whose listing is not kept, fetched a level at a time, in parallel.
    let wanted = root.tree.filter(
      (entry) => entry.type === 'tree' && typeof entry.sha === 'string',
    );
    for (;;) {
      const missing = [...new Set(wanted.map((entry) => entry.sha as string))].filter(
        (sha) => !trees.has(sha),
      );
      if (missing.length === 0) break;
      requests += missing.length;
      if (requests > MAX_TREE_REQUESTS) return recursively();
      const fetched = await Promise.all(
        missing.map((sha) => request(repository, sha, false, `${doing} (tree ${sha})`)),
      );
      for (const [index, sha] of missing.entries())
        keep(sha, (fetched[index] as { tree: RawTreeEntry[] }).tree);
      wanted = fetched.flatMap(({ tree }) =>
        tree.filter((entry) => entry.type === 'tree' && typeof entry.sha === 'string'),
      );
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
  };
}
