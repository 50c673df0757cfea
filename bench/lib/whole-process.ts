import { spawn } from 'node:child_process';

/** One run of a whole process, from spawn to exit. */
export interface ProcessRun {
  readonly wallMs: number;
  /** User and system CPU of the process and its threads and children. */
  readonly cpuMs: number;
  readonly exitCode: number;
}

/**
 * Runs `node <args>` once, cold, and measures its wall time and its CPU time. The CPU
 * comes from bash's `times` (its children's user and system time), which Node cannot
 * read for a child; the shell's own start-up is inside the wall time, a few ms. `env` is
 * added to this process's environment.
 */
export function runWholeProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<ProcessRun> {
  const quoted = [process.execPath, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`);
  const script = `${quoted.join(' ')} >/dev/null; code=$?; times >&2; exit $code`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      // `times` prints the shell's user and system time, then its children's: `0m1.234s 0m0.056s`.
      const children = stderr.trim().split('\n').at(-1) ?? '';
      const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(
        ([, minutes, rest]) => Number(minutes) * 60 + Number(rest),
      );
      if (seconds.length !== 2) {
        reject(new Error(`no CPU times from bash (exit ${String(code)}):\n${stderr}`));
        return;
      }
      const cpuMs = ((seconds[0] ?? 0) + (seconds[1] ?? 0)) * 1000;
      resolve({ wallMs, cpuMs, exitCode: code ?? -1 });
    });
  });
}
