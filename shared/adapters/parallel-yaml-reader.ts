import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  fromPortable,
  readYamlFile,
  type PortableYamlFileResult,
  type YamlFileResult,
} from '../core/parse/read-yaml-file.ts';
import type { YamlLimits } from '../core/parse/yaml-limits.ts';
import type { RepositoryFile } from '../core/validate/validate-repository.ts';
import type { ReadRequest } from './yaml-reader-worker.ts';

/**
 * Below this many files, starting workers costs more than it saves. With the fast reader a
 * file parses in tens of microseconds: measured on 2 cores, workers added about a tenth to
 * the CPU of a whole `validate` at 10,000 and at 30,000 manifests and took no wall time
 * off, since each loads the modules again and the results are copied back.
 */
export const PARALLEL_THRESHOLD = 50_000;

/**
 * Reads YAML files on every core, this thread and one worker per other core: parsing is
 * most of a validation and each file parses on its own. The results are the pure reader's, byte for byte; the
 * caller passes them to validateRepository, which does the rest on this thread.
 */
export async function readYamlFilesInParallel(
  files: readonly RepositoryFile[],
  limits: YamlLimits,
  threads: number = availableParallelism(),
): Promise<Map<string, YamlFileResult>> {
  const [own = [], ...others] = balance(files, Math.max(1, Math.min(threads, files.length)));
  // The workers start on their batches, then this thread reads its own meanwhile.
  const pending = Promise.all(others.map((batch) => readInWorker({ files: batch, limits })));
  const reads = new Map<string, YamlFileResult>();
  for (const file of own) reads.set(file.path, readYamlFile(file.path, file.bytes, limits));
  const results = await pending;
  others.forEach((batch, b) => {
    batch.forEach((file, i) => {
      const result = results[b]?.[i];
      if (result !== undefined) reads.set(file.path, fromPortable(result));
    });
  });
  return reads;
}

function readInWorker(request: ReadRequest): Promise<PortableYamlFileResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./yaml-reader-worker.ts', import.meta.url));
    worker.once('message', (results: PortableYamlFileResult[]) => {
      resolve(results);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.postMessage(request);
  });
}

/** Splits files into batches of about the same number of bytes, keeping their order. */
function balance(files: readonly RepositoryFile[], count: number): RepositoryFile[][] {
  const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
  const batches: RepositoryFile[][] = [[]];
  let size = 0;
  for (const file of files) {
    if (size >= (total / count) * batches.length && batches.length < count) batches.push([]);
    batches.at(-1)?.push(file);
    size += file.bytes.length;
  }
  return batches;
}
