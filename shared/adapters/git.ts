import { spawn } from 'node:child_process';
import { PortError, type FailureKind } from '../ports/port-error.ts';

/** Another git process holds a lock this one needs: it lets go when it is done. */
const LOCK_HELD = /Unable to create '[^']*\.lock': File exists|cannot lock ref|is locked/i;

/**
 * A git command that failed: its arguments and what git said. Permanent (a missing object,
 * not a repository) unless another git process held a lock, or git was killed: transient.
 */
export class GitError extends PortError {
  override readonly name = 'GitError';
  readonly args: readonly string[];
  readonly stderr: string;

  constructor(args: readonly string[], stderr: string, code: number | null) {
    const kind: FailureKind = code === null || LOCK_HELD.test(stderr) ? 'transient' : 'permanent';
    super(`git ${args.join(' ')} failed (${code ?? 'signal'}): ${stderr.trim()}`, kind);
    this.args = args;
    this.stderr = stderr;
  }
}

/** Runs git in a directory and returns its standard output as bytes. */
export function git(cwd: string, args: readonly string[], input?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // No pager, no prompts, no locale-dependent messages, whatever the user's config says.
    const child = spawn('git', ['--no-pager', ...args], {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      // git missing, or the folder: neither appears by trying again.
      reject(
        new PortError(
          `git ${args.join(' ')} could not start in ${cwd}: ${error.message}`,
          'permanent',
          {
            cause: error,
          },
        ),
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(stdout));
      else reject(new GitError(args, Buffer.concat(stderr).toString('utf8'), code));
    });
    child.stdin.end(input);
  });
}
