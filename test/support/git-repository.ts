import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A real git repository in a temporary folder, for tests that need history. */
export interface TestRepository {
  readonly directory: string;
  write(files: Readonly<Record<string, string | Uint8Array>>): Promise<void>;
  commit(message: string): Promise<string>;
  git(...args: string[]): Promise<string>;
}

/** Creates an empty repository with a fixed identity and no global configuration. */
export async function createTestRepository(): Promise<TestRepository> {
  const directory = await mkdtemp(join(tmpdir(), 'infrastream-git-'));
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
  const git = async (...args: string[]) => (await run('git', args, { cwd: directory, env })).stdout;
  await git('init', '--quiet', '--initial-branch=main');
  return {
    directory,
    git,
    async write(files) {
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(directory, path)), { recursive: true });
        await writeFile(join(directory, path), content);
      }
    },
    async commit(message) {
      await git('add', '--all');
      await git('commit', '--quiet', '--message', message);
      return (await git('rev-parse', 'HEAD')).trim();
    },
  };
}
