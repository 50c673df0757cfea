import type { RepositoryFile } from '../core/validate/validate-repository.ts';
import { git } from './git.ts';

const YAML_FILE = /\.ya?ml$/i;
const SKIPPED = /(?:^|\/)(?:node_modules|\.infrastream)\//;

/** Whether a directory is inside a git work tree. */
export async function isGitWorkTree(directory: string): Promise<boolean> {
  try {
    return (
      (await git(directory, ['rev-parse', '--is-inside-work-tree'])).toString().trim() === 'true'
    );
  } catch {
    return false;
  }
}

/** The full commit id a revision names, or an error naming the revision. */
export async function resolveCommit(directory: string, revision: string): Promise<string> {
  if (revision.startsWith('-')) throw new Error(`not a revision: "${revision}"`);
  try {
    return (await git(directory, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`]))
      .toString()
      .trim();
  } catch {
    throw new Error(`not a commit in ${directory}: "${revision}"`);
  }
}

/**
 * Reads the YAML files under `directory` as they are at a commit, with paths relative to
 * `directory`, straight from git's object store: the work tree is not touched. Blobs are
 * read in one `git cat-file --batch`, so a large tree costs two processes, not thousands.
 */
export async function readRevisionFiles(
  directory: string,
  revision: string,
  maxFiles: number,
): Promise<RepositoryFile[]> {
  const commit = await resolveCommit(directory, revision);
  const listing = (await git(directory, ['ls-tree', '-r', '-z', commit, '--', '.'])).toString(
    'utf8',
  );
  const entries: { path: string; object: string }[] = [];
  for (const record of listing.split('\0')) {
    // "<mode> <type> <object>\t<path>", path relative to `directory`.
    const match = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(record);
    if (match === null) continue;
    const [, mode, type, object, path] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (type !== 'blob' || mode === '120000' || !YAML_FILE.test(path) || SKIPPED.test(path))
      continue;
    entries.push({ path, object });
    if (entries.length > maxFiles) break;
  }
  if (entries.length === 0) return [];
  const batch = await git(
    directory,
    ['cat-file', '--batch'],
    Buffer.from(entries.map((entry) => entry.object).join('\n') + '\n'),
  );
  const files: RepositoryFile[] = [];
  let offset = 0;
  for (const entry of entries) {
    const headerEnd = batch.indexOf(0x0a, offset);
    const header = batch.subarray(offset, headerEnd).toString('utf8');
    const size = Number(/^[0-9a-f]+ blob (\d+)$/.exec(header)?.[1] ?? Number.NaN);
    if (!Number.isInteger(size))
      throw new Error(`unexpected git cat-file output for ${entry.path}: ${header}`);
    files.push({ path: entry.path, bytes: batch.subarray(headerEnd + 1, headerEnd + 1 + size) });
    offset = headerEnd + 1 + size + 1;
  }
  return files;
}
