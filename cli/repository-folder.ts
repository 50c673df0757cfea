import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { EnvironmentError, type CliIo } from './cli-io.ts';

/**
 * The folder a command works on, `given` or the working directory, once it is known to be
 * one: a mistyped path is an environment error naming it, not a stack trace from deep in
 * the reader.
 */
export function repositoryFolder(io: CliIo, given: string | undefined): string {
  const directory = resolve(io.cwd, given ?? '.');
  let isFolder: boolean;
  try {
    isFolder = statSync(directory).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new EnvironmentError(
        `${directory} does not exist: give the folder of the repository's manifests`,
      );
    throw new EnvironmentError(
      `cannot read ${directory} (${code ?? (error as Error).message}): check its permissions`,
    );
  }
  if (!isFolder)
    throw new EnvironmentError(
      `${directory} is not a folder: give the folder of the repository's manifests`,
    );
  return directory;
}
