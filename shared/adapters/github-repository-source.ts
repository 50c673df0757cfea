import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import type { RepositoryRef, RepositorySource, TreeEntry } from '../ports/repository-source.ts';
import { GitHubError, gitHubError } from './github-error.ts';
import { createTreeLister } from './github-tree-listing.ts';
import { verifiedArchiveBlobs } from './verified-archive-blobs.ts';

/** What the GitHub repository source needs. */
export interface GitHubRepositorySourceOptions {
  /** A client authenticated as the App installation (see createGitHubClient). */
  readonly octokit: Octokit;
  /** Total size of the blobs kept in memory; the least recently read leave first. */
  readonly cacheBytes?: number;
  /**
   * A tree with more blobs than this missing from the cache is read through one download of
   * the repository's archive rather than one request per blob.
   */
  readonly archiveThreshold?: number;
  /** Told why an archive could not be used; its blobs are then read one by one. */
  readonly onArchiveFailure?: (error: GitHubError) => void;
}

const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
const DEFAULT_ARCHIVE_THRESHOLD = 64;
/** Comparisons kept: one or two per push. */
const MAX_KEPT_COMPARISONS = 1000;
const OBJECT_ID = /^[0-9a-f]{40}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Git's mode for a symbolic link: its blob is a path, not a file, and is never followed. */
const SYMLINK_MODE = '120000';

/**
 * Reads a repository through GitHub's git data API: the whole tree in one request the first
 * time and then only the folders a commit changed (see github-tree-listing.ts), one request
 * per blob not already in memory. Blob ids name content, so a push that changes one manifest
 * reads one blob; every blob read is checked against its id, so what GitHub (or anything
 * between) returns cannot differ from what was pushed. A tree with many blobs not in memory
 * (a cold start, a large change) is filled from the repository's tarball in one request
 * instead, keeping only files whose content hashes to the blob id the tree gives their path;
 * whatever the archive lacks or holds differently is still read blob by blob.
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
  const archiveThreshold = options.archiveThreshold ?? DEFAULT_ARCHIVE_THRESHOLD;
  if (!Number.isSafeInteger(archiveThreshold) || archiveThreshold < 0) {
    throw new Error(
      `GitHub repository source: archiveThreshold must be a whole number ≥ 0, found ${archiveThreshold}`,
    );
  }
  const onArchiveFailure = options.onArchiveFailure ?? warnArchiveFailure;
  /** Comparisons by repository, base and head: commits never change, and neither do these. */
  const comparisons = new Map<string, Promise<Comparison>>();
  const compare = (repository: RepositoryRef, base: string, head: string) => {
    const key = `${fullName(repository).toLowerCase()}\0${base}\0${head}`;
    let comparison = comparisons.get(key);
    if (comparison === undefined) {
      comparison = compareCommits(octokit, repository, base, head);
      comparison.catch(() => comparisons.delete(key));
      comparisons.set(key, comparison);
      if (comparisons.size > MAX_KEPT_COMPARISONS)
        comparisons.delete(comparisons.keys().next().value as string);
    }
    return comparison;
  };
  // The tree listing asks which files changed since the commit it listed last; record then
  // asks whether the commit descends from the current one, usually that same commit: one
  // comparison answers both.
  const listTree = createTreeLister(
    octokit,
    async (repository, base, head) => (await compare(repository, base, head)).files,
  );
  const cache = new Map<string, Uint8Array>();
  let cachedBytes = 0;
  const reading = new Map<string, Promise<Uint8Array>>();
  const archiving = new Map<string, Promise<void>>();
  const cacheKey = (repository: RepositoryRef, id: string) =>
    `${fullName(repository).toLowerCase()}\0${id}`;

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
        'permanent',
      );
    }
    // GitHub wraps base64 at 60 columns.
    const base64 = data.content.replace(/\n/g, '');
    if (base64.length % 4 !== 0 || !BASE64.test(base64)) {
      throw new GitHubError(`${doing}: the content is not valid base64`, undefined, 'permanent');
    }
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    const actual = gitBlobId(bytes);
    if (actual !== id) {
      throw new GitHubError(
        `${doing}: the content returned hashes to ${actual}, not to the blob id; refusing it`,
        undefined,
        'permanent',
      );
    }
    return bytes;
  };

  const downloadArchive = async (repository: RepositoryRef, commit: string) => {
    const doing = `downloading the archive of ${fullName(repository)} at ${commit}`;
    let data: unknown;
    try {
      // GitHub answers with a redirect to its archive host, which fetch follows.
      ({ data } = await octokit.rest.repos.downloadTarballArchive({
        owner: repository.owner,
        repo: repository.name,
        ref: commit,
      }));
    } catch (error) {
      throw gitHubError(error, doing);
    }
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (data instanceof Uint8Array) return data;
    throw new GitHubError(
      `${doing}: expected the archive's bytes, found ${typeof data}`,
      undefined,
      'permanent',
    );
  };

  /** Puts the verified files of the archive at `commit` in the cache; never fails. */
  const fillFromArchive = async (
    repository: RepositoryRef,
    commit: string,
    tree: readonly TreeEntry[],
    missing: ReadonlySet<string>,
  ) => {
    try {
      const archive = await downloadArchive(repository, commit);
      let found: Map<string, Uint8Array>;
      try {
        found = await verifiedArchiveBlobs(archive, {
          tree,
          wanted: missing,
          maxBytes: cacheBytes,
        });
      } catch (error) {
        throw new GitHubError(
          `reading the archive of ${fullName(repository)} at ${commit}: ${(error as Error).message}`,
          undefined,
          'permanent',
          { cause: error },
        );
      }
      for (const [id, bytes] of found) remember(cacheKey(repository, id), bytes);
    } catch (error) {
      onArchiveFailure(gitHubError(error, `reading the archive of ${fullName(repository)}`));
    }
  };

  return {
    async tree(repository, commit) {
      const id = objectId('commit', commit);
      const doing = `reading the tree of ${fullName(repository)} at ${id}`;
      const listing = await listTree(repository, id, doing);
      const entries = listing.flatMap((entry, index) =>
        treeEntry(entry, `${doing}: tree[${index}]`),
      );
      const missing = new Set(
        entries
          .map((entry) => entry.blob)
          .filter(
            (blob) =>
              !cache.has(cacheKey(repository, blob)) && !reading.has(cacheKey(repository, blob)),
          ),
      );
      if (missing.size > archiveThreshold && cacheBytes > 0) {
        // Loads of the same commit at once share one download.
        const key = `${fullName(repository).toLowerCase()}@${id}`;
        let filling = archiving.get(key);
        if (filling === undefined) {
          filling = fillFromArchive(repository, id, entries, missing).finally(() =>
            archiving.delete(key),
          );
          archiving.set(key, filling);
        }
        await filling;
      }
      return entries;
    },

    async blob(repository, blobId) {
      const id = objectId('blob', blobId);
      const key = cacheKey(repository, id);
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
      return (await compare(repository, base, head)).descends;
    },
  };
}

/** What a comparison of two commits tells. */
interface Comparison {
  /** Whether head is base or descends from it. */
  readonly descends: boolean;
  /** The files changed since the merge base, when GitHub listed them all. */
  readonly files: readonly string[] | undefined;
}

async function compareCommits(
  octokit: Octokit,
  repository: RepositoryRef,
  base: string,
  head: string,
): Promise<Comparison> {
  const doing = `comparing ${base} with ${head} in ${fullName(repository)}`;
  let data: { status?: unknown; files?: unknown };
  try {
    ({ data } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: repository.owner,
      repo: repository.name,
      basehead: `${base}...${head}`,
      // The files come on the first page whatever its size; the commit list is kept to one.
      per_page: 1,
    }));
  } catch (error) {
    throw gitHubError(error, doing);
  }
  const { status } = data;
  if (
    status !== 'ahead' &&
    status !== 'identical' &&
    status !== 'behind' &&
    status !== 'diverged'
  ) {
    throw new GitHubError(
      `${doing}: expected status "ahead", "identical", "behind" or "diverged", found ${JSON.stringify(status)}`,
      undefined,
      'permanent',
    );
  }
  return {
    descends: status === 'ahead' || status === 'identical',
    files: changedFiles(data.files),
  };
}

/** GitHub lists at most this many files in a comparison: a list this long may be cut. */
const MAX_COMPARED_FILES = 300;

/** The paths a comparison names (old and new, for a rename), or undefined if it may miss some. */
function changedFiles(files: unknown): string[] | undefined {
  if (!Array.isArray(files) || files.length >= MAX_COMPARED_FILES) return undefined;
  const paths: string[] = [];
  for (const file of files as unknown[]) {
    const { filename, previous_filename: previous } = (file ?? {}) as Record<string, unknown>;
    if (typeof filename !== 'string') return undefined;
    paths.push(filename);
    if (typeof previous === 'string') paths.push(previous);
  }
  return paths;
}

function warnArchiveFailure(error: GitHubError): void {
  console.warn(`${error.message}; reading its blobs one by one`);
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
      'permanent',
    );
  }
  if (mode === SYMLINK_MODE) return [];
  if (typeof path !== 'string' || path === '' || typeof sha !== 'string' || !OBJECT_ID.test(sha)) {
    throw new GitHubError(
      `${where}: expected a path and a 40-hex sha, found ${JSON.stringify(entry)}`,
      undefined,
      'permanent',
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
