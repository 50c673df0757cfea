import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { RepositoryFile } from '../../shared/core/validate/validate-repository.ts';

/** The file of a case directory that lists base files the case removes, one path a line. */
export const DELETE_LIST = '.delete';

/** Every file under `root`, by repository-relative path with `/` separators. */
export function readTree(root: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files.set(relative(root, full).split(sep).join('/'), new Uint8Array(readFileSync(full)));
  }
  return files;
}

/**
 * A repository made of a base tree and one case on top of it: the case directory's files
 * are added or replace the base file of the same path, the paths listed in its `.delete`
 * file are removed, and `generated` files (raw bytes built by the test) come last.
 */
export function overlayRepository(
  base: ReadonlyMap<string, Uint8Array>,
  caseDirectory: string,
  generated: Readonly<Record<string, Uint8Array>> = {},
): RepositoryFile[] {
  const files = new Map(base);
  if (existsSync(caseDirectory)) {
    const overrides = readTree(caseDirectory);
    const deletions = overrides.get(DELETE_LIST);
    overrides.delete(DELETE_LIST);
    for (const path of deletions === undefined ? [] : listedPaths(deletions)) {
      if (!files.delete(path)) throw new Error(`${caseDirectory}: cannot delete ${path}`);
    }
    for (const [path, bytes] of overrides) files.set(path, bytes);
  }
  for (const [path, bytes] of Object.entries(generated)) files.set(path, bytes);
  return [...files].map(([path, bytes]) => ({ path, bytes }));
}

function listedPaths(bytes: Uint8Array): string[] {
  return new TextDecoder()
    .decode(bytes)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
