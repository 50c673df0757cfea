import type { RepositoryRef, RepositorySource, TreeEntry } from '../ports/repository-source.ts';
import { git, GitError } from './git.ts';

/** Files the pipeline reads from a tree: manifests and the CODEOWNERS it compares. */
const READ_AHEAD = /(?:\.ya?ml|^\.github\/CODEOWNERS)$/i;

/**
 * The embedded {@link RepositorySource}: a folder of a local git repository, read from git's
 * object store (the work tree is not looked at). Paths are relative to the folder, so a
 * subfolder of a larger repository (such as `examples/`) reads as a repository of its own.
 * Listing a tree reads the blobs the pipeline will ask for in one `git cat-file --batch`.
 */
export class LocalRepositorySource implements RepositorySource {
  readonly #directory: string;
  readonly #blobs = new Map<string, Uint8Array>();

  constructor(directory: string) {
    this.#directory = directory;
  }

  async tree(_repository: RepositoryRef, commit: string): Promise<readonly TreeEntry[]> {
    const listing = (
      await git(this.#directory, ['ls-tree', '-r', '-z', '-l', '--full-tree', commit])
    ).toString('utf8');
    const prefix = (await git(this.#directory, ['rev-parse', '--show-prefix'])).toString().trim();
    const entries: TreeEntry[] = [];
    for (const record of listing.split('\0')) {
      // "<mode> <type> <object> <size>\t<path>"; symbolic links (120000) are not files here.
      const match = /^(\d+) blob ([0-9a-f]+) +(\d+)\t(.*)$/s.exec(record);
      if (match === null || match[1] === '120000') continue;
      const [, , blob, size, path] = match as unknown as [string, string, string, string, string];
      if (!path.startsWith(prefix)) continue;
      entries.push({ path: path.slice(prefix.length), blob, size: Number(size) });
    }
    await this.#readAhead(entries.filter((entry) => READ_AHEAD.test(entry.path)));
    return entries;
  }

  async blob(_repository: RepositoryRef, blobId: string): Promise<Uint8Array> {
    const known = this.#blobs.get(blobId);
    if (known !== undefined) return known;
    const bytes = await git(this.#directory, ['cat-file', 'blob', blobId]);
    this.#blobs.set(blobId, bytes);
    return bytes;
  }

  async isAncestor(
    _repository: RepositoryRef,
    ancestor: string,
    descendant: string,
  ): Promise<boolean> {
    try {
      await git(this.#directory, ['merge-base', '--is-ancestor', ancestor, descendant]);
      return true;
    } catch (error) {
      // Exit status 1 is git's "no"; anything else (an unknown commit) is an error.
      if (error instanceof GitError && / failed \(1\):/.test(error.message)) return false;
      throw error;
    }
  }

  async #readAhead(entries: readonly TreeEntry[]): Promise<void> {
    const wanted = [...new Set(entries.map((entry) => entry.blob))].filter(
      (blob) => !this.#blobs.has(blob),
    );
    if (wanted.length === 0) return;
    const batch = await git(
      this.#directory,
      ['cat-file', '--batch'],
      Buffer.from(`${wanted.join('\n')}\n`),
    );
    let offset = 0;
    for (const blob of wanted) {
      const headerEnd = batch.indexOf(0x0a, offset);
      const header = batch.subarray(offset, headerEnd).toString('utf8');
      const size = Number(/^[0-9a-f]+ blob (\d+)$/.exec(header)?.[1] ?? Number.NaN);
      if (!Number.isInteger(size)) throw new Error(`unexpected git cat-file output: ${header}`);
      this.#blobs.set(blob, batch.subarray(headerEnd + 1, headerEnd + 1 + size));
      offset = headerEnd + 1 + size + 1;
    }
  }
}
