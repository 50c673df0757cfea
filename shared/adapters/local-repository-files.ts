import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RepositoryFile } from '../core/validate/validate-repository.ts';

/** Directories that never hold manifests: version control, dependencies, local state. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.infrastream']);

const YAML_FILE = /\.ya?ml$/i;

/**
 * Reads every YAML file under a directory, as bytes. Stops reading after `maxFiles + 1`
 * files so that an enormous tree costs nothing more; validation reports the excess.
 */
export async function readRepositoryFiles(
  root: string,
  maxFiles: number,
): Promise<RepositoryFile[]> {
  const paths: string[] = [];
  await collect(root, root, paths, maxFiles + 1);
  return Promise.all(
    paths.map(async (path) => ({ path, bytes: await readFile(join(root, path)) })),
  );
}

async function collect(
  root: string,
  directory: string,
  paths: string[],
  limit: number,
): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (paths.length >= limit) return;
    const full = join(directory, entry.name);
    // Symbolic links are not followed: a manifest outside the repository is not in it.
    if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) {
      await collect(root, full, paths, limit);
    } else if (entry.isFile() && YAML_FILE.test(entry.name)) {
      paths.push(relative(root, full).split(sep).join('/'));
    }
  }
}
