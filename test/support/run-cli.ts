import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/infrastream', import.meta.url));

/** What a run of the real `infrastream` executable printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bin/infrastream` as a separate process, as a user would. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Readonly<Record<string, string>>; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, NO_COLOR: '1', ...options.env },
        maxBuffer: 64 * 1024 * 1024,
        // Killed past it: a command that should have stopped (a server) must not outlive a test.
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : error.code;
        if (typeof code !== 'number') {
          reject(error ?? new Error('no exit code'));
          return;
        }
        resolve({ code, stdout, stderr });
      },
    );
  });
}
