import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { version } from '../../cli/version.ts';
import { runCli } from '../support/run-cli.ts';

const versionSource = readFileSync(
  fileURLToPath(new URL('../../cli/version.ts', import.meta.url)),
  'utf8',
);

/** Where the cache keeps the stripped `cli/version.ts`, under a cache home. */
function cachedVersionFile(cacheHome: string): string {
  const hash = createHash('sha256').update(versionSource).digest('hex');
  return join(cacheHome, 'infrastream', process.version, `${hash}.js`);
}

describe('the cache of stripped TypeScript', () => {
  const homes: string[] = [];
  const cacheHome = () => {
    const home = mkdtempSync(join(tmpdir(), 'infrastream-cache-'));
    homes.push(home);
    return home;
  };
  afterEach(() => {
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  it('keeps each source without its types, in a folder only the user may write to', async () => {
    const home = cacheHome();
    const first = await runCli(['--version'], { env: { XDG_CACHE_HOME: home } });
    expect(first).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(readFileSync(cachedVersionFile(home), 'utf8')).toBe(stripTypeScriptTypes(versionSource));
    const folder = join(home, 'infrastream', process.version);
    expect(readdirSync(folder).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(await runCli(['--version'], { env: { XDG_CACHE_HOME: home } })).toEqual(first);
  });

  it('loads a source from the cache when its text has that hash', async () => {
    const home = cacheHome();
    await runCli(['--version'], { env: { XDG_CACHE_HOME: home } });
    writeFileSync(cachedVersionFile(home), "export const version = 'from the cache';\n");
    const run = await runCli(['--version'], { env: { XDG_CACHE_HOME: home } });
    expect(run.stdout).toBe('from the cache\n');
  });

  it('reads nothing from a folder others may write to, nor when the compile cache is off', async () => {
    const home = cacheHome();
    await runCli(['--version'], { env: { XDG_CACHE_HOME: home } });
    writeFileSync(cachedVersionFile(home), "export const version = 'planted';\n");
    const folder = join(home, 'infrastream', process.version);
    chmodSync(folder, 0o777);
    const shared = await runCli(['--version'], { env: { XDG_CACHE_HOME: home } });
    expect(shared).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    chmodSync(folder, 0o700);
    const off = await runCli(['--version'], {
      env: { XDG_CACHE_HOME: home, NODE_DISABLE_COMPILE_CACHE: '1' },
    });
    expect(off).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
