import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import type { RepositoryRef, RepositorySource, TreeEntry } from '../ports/repository-source.ts';
import { GitHubError, gitHubError } from './github-error.ts';

/** What the GitHub repository source needs. */
export interface GitHubRepositorySourceOptions {
  /** A client authenticated as the App installation (see createGitHubClient). */
  readonly octokit: Octokit;
  /** Total size of the blobs kept in memory; the least recently read leave first. */
  readonly cacheBytes?: number;
}

const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
const OBJECT_ID = /^[0-9a-f]{40}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Git's mode for a symbolic link: its blob is a path, not a file, and is never followed. */
const SYMLINK_MODE = '120000';

/**
 * Reads a repository through GitHub's git data API: one request for the whole tree, one per
 * blob not already in memory. Blob ids name content, so a push that changes one manifest
 * reads one blob; every blob read is checked against its id, so what GitHub (or anything
 * between) returns cannot differ from what was pushed.
 */
export function createGitHubRepositorySource(
  options: GitHubRepositorySourceOptions,
): RepositorySource {
  const { octokit } = options;
  const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
  if (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0) {
    throw new Error(
      `GitHub repository source: cacheBytes must be a whole number ≥ 0, found ${cacheBytes}`,
    );
  }
  const cache = new Map<string, Uint8Array>();
  let cachedBytes = 0;
  const reading = new Map<string, Promise<Uint8Array>>();

  const remember = (key: string, bytes: Uint8Array) => {
    if (bytes.length > cacheBytes) return;
    cache.set(key, bytes);
    cachedBytes += bytes.length;
    for (const [oldest, value] of cache) {
      if (cachedBytes <= cacheBytes) break;
      cache.delete(oldest);
      cachedBytes -= value.length;
    }
  };

  const fetchBlob = async (repository: RepositoryRef, id: string): Promise<Uint8Array> => {
    const doing = `reading blob ${id} of ${fullName(repository)}`;
    let data: { content?: unknown; encoding?: unknown };
    try {
      ({ data } = await octokit.rest.git.getBlob({
        owner: repository.owner,
        repo: repository.name,
        file_sha: id,
      }));
    } catch (error) {
      throw gitHubError(error, doing);
    }
    if (data.encoding !== 'base64' || typeof data.content !== 'string') {
      throw new GitHubError(
        `${doing}: expected base64 content, found encoding ${JSON.stringify(data.encoding)}`,
        undefined,
        false,
      );
    }
    // GitHub wraps base64 at 60 columns.
    const base64 = data.content.replace(/\n/g, '');
    if (base64.length % 4 !== 0 || !BASE64.test(base64)) {
      throw new GitHubError(`${doing}: the content is not valid base64`, undefined, false);
    }
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    const actual = gitBlobId(bytes);
    if (actual !== id) {
      throw new GitHubError(
        `${doing}: the content returned hashes to ${actual}, not to the blob id; refusing it`,
        undefined,
        false,
      );
    }
    return bytes;
  };

  return {
    async tree(repository, commit) {
      const id = objectId('commit', commit);
      const doing = `reading the tree of ${fullName(repository)} at ${id}`;
      let data: { tree?: unknown; truncated?: unknown };
      try {
        ({ data } = await octokit.rest.git.getTree({
          owner: repository.owner,
          repo: repository.name,
          tree_sha: id,
          recursive: '1',
        }));
      } catch (error) {
        throw gitHubError(error, doing);
      }
      // GitHub cuts recursive listings at 100,000 entries or 7 MB; a partial tree would read
      // as deleted manifests.
      if (data.truncated !== false) {
        throw new GitHubError(
          `${doing}: GitHub answered a truncated tree (over its 100,000 entries or 7 MB); ` +
            'refusing to read part of the repository',
          undefined,
          false,
        );
      }
      if (!Array.isArray(data.tree)) {
        throw new GitHubError(`${doing}: the answer has no tree list`, undefined, false);
      }
      return (data.tree as unknown[]).flatMap((entry, index) =>
        treeEntry(entry, `${doing}: tree[${index}]`),
      );
    },

    async blob(repository, blobId) {
      const id = objectId('blob', blobId);
      const key = `${fullName(repository).toLowerCase()}\0${id}`;
      const cached = cache.get(key);
      if (cached !== undefined) {
        // Read again, so it leaves the cache last.
        cache.delete(key);
        cache.set(key, cached);
        return cached.slice();
      }
      let pending = reading.get(key);
      if (pending === undefined) {
        pending = fetchBlob(repository, id).then(
          (bytes) => {
            reading.delete(key);
            remember(key, bytes);
            return bytes;
          },
          (error: unknown) => {
            reading.delete(key);
            throw error;
          },
        );
        reading.set(key, pending);
      }
      return (await pending).slice();
    },

    async isAncestor(repository, ancestor, descendant) {
      const base = objectId('ancestor', ancestor);
      const head = objectId('descendant', descendant);
      const doing = `comparing ${base} with ${head} in ${fullName(repository)}`;
      let status: unknown;
      try {
        ({
          data: { status },
        } = await octokit.rest.repos.compareCommitsWithBasehead({
          owner: repository.owner,
          repo: repository.name,
          basehead: `${base}...${head}`,
          // Only the status is read: the commit list is kept to one.
          per_page: 1,
        }));
      } catch (error) {
        throw gitHubError(error, doing);
      }
      switch (status) {
        case 'ahead':
        case 'identical':
          return true;
        case 'behind':
        case 'diverged':
          return false;
        default:
          throw new GitHubError(
            `${doing}: expected status "ahead", "identical", "behind" or "diverged", found ${JSON.stringify(status)}`,
            undefined,
            false,
          );
      }
    },
  };
}

/** Git's object id of a blob: SHA-1 over `blob <size>\0` and the content. */
function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function treeEntry(entry: unknown, where: string): TreeEntry[] {
  const { path, mode, type, sha, size } = (entry ?? {}) as Record<string, unknown>;
  // Directories are implied by paths; submodules ("commit") are other repositories.
  if (type === 'tree' || type === 'commit') return [];
  if (type !== 'blob') {
    throw new GitHubError(
      `${where}: expected type "blob", "tree" or "commit", found ${JSON.stringify(type)}`,
      undefined,
      false,
    );
  }
  if (mode === SYMLINK_MODE) return [];
  if (typeof path !== 'string' || path === '' || typeof sha !== 'string' || !OBJECT_ID.test(sha)) {
    throw new GitHubError(
      `${where}: expected a path and a 40-hex sha, found ${JSON.stringify(entry)}`,
      undefined,
      false,
    );
  }
  return [typeof size === 'number' ? { path, blob: sha, size } : { path, blob: sha }];
}

function objectId(what: string, value: string): string {
  if (!OBJECT_ID.test(value)) {
    throw new Error(`expected the ${what} as a full 40-hex git object id, found "${value}"`);
  }
  return value;
}

function fullName(repository: RepositoryRef): string {
  return `${repository.owner}/${repository.name}`;
}
