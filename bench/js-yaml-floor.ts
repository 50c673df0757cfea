/**
 * The floor a whole `validate` process is held to: `node bench/js-yaml-floor.ts <dir>`
 * reads every YAML file of the repository as the CLI does, then `loadAll` from js-yaml on
 * each, on one thread; no locations, no checks. Prints how many documents it read.
 */
import { loadAll } from 'js-yaml';
import { readRepositoryFiles } from '../shared/adapters/local-repository-files.ts';
import { defaultYamlLimits } from '../shared/core/parse/yaml-limits.ts';

const [dir] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: node bench/js-yaml-floor.ts <dir>');
const decoder = new TextDecoder();
let documents = 0;
for (const file of readRepositoryFiles(dir, defaultYamlLimits.maxFiles)) {
  documents += loadAll(decoder.decode(file.bytes)).length;
}
process.stdout.write(`${documents}\n`);
