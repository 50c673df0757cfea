import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RepositoryFile } from '../core/validate/validate-repository.ts';

/** Directories that never hold manifests: version control, dependencies, local state. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.infrastream']);

const YAML_FILE = /\.ya?ml$/i;

/**
 * Reads every YAML file under a directory, as bytes, in path order. Stops after
 * `maxFiles + 1` files so that an enormous tree costs nothing more; validation reports
 * the excess. Symbolic links are not followed: a file outside the repository is not in it.
 *
 * The reads are synchronous on purpose: for thousands of small files, `fs/promises`
 * pays an open, stat, read and close round trip to the thread pool per file and is about
 * five times slower, and the caller has nothing else to do meanwhile.
 */
export function readRepositoryFiles(root: string, maxFiles: number): RepositoryFile[] {
  const files: RepositoryFile[] = [];
  collect(root, '', files, maxFiles + 1);
  return files;
}

function collect(root: string, prefix: string, files: RepositoryFile[], limit: number): void {
  const entries = readdirSync(join(root, prefix), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (files.length >= limit) return;
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) {
      collect(root, path, files, limit);
    } else if (entry.isFile() && YAML_FILE.test(entry.name)) {
      files.push({ path, bytes: readFileSync(join(root, path)) });
    }
  }
}
