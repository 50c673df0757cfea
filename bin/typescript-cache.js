// @ts-check
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { enableCompileCache, registerHooks, stripTypeScriptTypes } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';

/**
 * Keeps what a cold `infrastream` process would otherwise pay before it reads a file: Node
 * strips the types of every source it loads, through a WebAssembly compiler it has to load
 * first, which together cost more than validating the example organization. The stripped
 * JavaScript of each source is kept by the hash of its text, in a folder per Node version,
 * with V8's compile cache beside it, so a second run loads plain JavaScript. A source is read
 * from the cache only when its hash matches, so an edited file is stripped again.
 *
 * The cache runs code, so it lives only in a folder of the user's own (`$XDG_CACHE_HOME`
 * or `~/.cache`, `infrastream/`) that nobody else may write to; when there is none, or
 * `NODE_DISABLE_COMPILE_CACHE` is set, Node strips every source itself, as without it.
 * Returns the folder in use, or undefined.
 *
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | undefined}
 */
export function enableTypeScriptCache(env = process.env) {
  if (env['NODE_DISABLE_COMPILE_CACHE'] !== undefined) return undefined;
  const directory = privateDirectory(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), [
    'infrastream',
    process.version,
  ]);
  if (directory === undefined) return undefined;
  enableCompileCache(join(directory, 'v8'));
  registerHooks({
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      if (loaded.format !== 'module-typescript' || loaded.source == null) return loaded;
      // Node refuses to strip sources under node_modules: left to it, so it still does.
      if (url.includes('/node_modules/')) return loaded;
      const source =
        typeof loaded.source === 'string' ? loaded.source : Buffer.from(loaded.source).toString();
      const stripped = strippedSource(directory, source);
      return stripped === undefined ? loaded : { format: 'module', source: stripped };
    },
  });
  return directory;
}

/**
 * The source without its types, from the cache or stripped now and kept; undefined when it
 * cannot be stripped, so that Node reports the error as it would.
 *
 * @param {string} directory
 * @param {string} source
 * @returns {string | undefined}
 */
function strippedSource(directory, source) {
  const file = join(directory, `${createHash('sha256').update(source).digest('hex')}.js`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // Not kept yet: strip it below.
  }
  let stripped;
  // Node calls the function experimental, once per process, on stderr; stripping is what
  // it does to every source anyway.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    stripped = stripTypeScriptTypes(source);
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
  try {
    // Written aside and renamed, so that a process starting meanwhile reads all or nothing.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, stripped, { mode: 0o600 });
    renameSync(partial, file);
  } catch {
    // A full or read-only disk only costs the next process the stripping.
  }
  return stripped;
}

/**
 * The cache folder, made if needed, when it and the folders it is in, from the user's cache
 * folder down, belong to this user and only they may write to them: nobody else can
 * then put code in it.
 *
 * @param {string} base
 * @param {readonly string[]} names
 * @returns {string | undefined}
 */
function privateDirectory(base, names) {
  let directory = base;
  try {
    for (const name of ['', ...names]) {
      directory = join(directory, name);
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      const { uid, mode } = statSync(directory);
      if (process.getuid !== undefined && uid !== process.getuid()) return undefined;
      if ((mode & 0o022) !== 0) return undefined;
    }
    return directory;
  } catch {
    return undefined;
  }
}
