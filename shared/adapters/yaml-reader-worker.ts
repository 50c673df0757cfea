import { parentPort } from 'node:worker_threads';
import { readYamlFile, toPortable } from '../core/parse/read-yaml-file.ts';
import type { YamlLimits } from '../core/parse/yaml-limits.ts';
import type { RepositoryFile } from '../core/validate/validate-repository.ts';

/** One batch of files to read, and the limits to read them under. */
export interface ReadRequest {
  readonly files: readonly RepositoryFile[];
  readonly limits: YamlLimits;
}

// Reads each batch it is sent with the pure reader and sends back plain results.
parentPort?.on('message', (request: ReadRequest) => {
  parentPort?.postMessage(
    request.files.map((file) => toPortable(readYamlFile(file.path, file.bytes, request.limits))),
  );
});
