/** What a command may touch of its process: streams, working directory, environment. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal: colour and progress only then. */
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A command of the CLI: what it runs, and its help. */
export interface Command {
  readonly run: (args: readonly string[], io: CliIo) => number | Promise<number>;
  readonly usage: string;
}

/** A mistake in how the command was called: exit code 2 and a hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Something around the command is not as it needs it: a missing folder, a state store it
 * cannot open or write, a port in use, a repository without manifests. Exit code 2 and
 * one line that names the path or port and says what to do, never a stack trace.
 */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/**
 * Another `run` or `serve` holds the state folder: exit code 3 and one line naming it, so
 * that a script can tell "try again later" from a failure.
 */
export class BusyError extends Error {
  override readonly name = 'BusyError';
}

/**
 * Exit codes shared by every command; a usage and an environment error share theirs. `busy`:
 * the state folder is held by another process, and nothing was done.
 */
export const exitCodes = { ok: 0, issues: 1, usage: 2, environment: 2, busy: 3, held: 4 } as const;
