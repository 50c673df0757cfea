import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

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

/** Exit 2 and one line on stderr that names what is wrong, without a stack trace. */
export function expectEnvironmentError(result: CliRun, ...named: string[]): void {
  expect(result.stderr).not.toMatch(/^\s*at /m);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  for (const text of named) expect(lines[0]).toContain(text);
  expect(result.code).toBe(2);
}
