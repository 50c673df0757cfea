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

/** Exit codes shared by every command. */
export const exitCodes = { ok: 0, issues: 1, usage: 2 } as const;
