import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A process as a record left on disk names it: which machine, which pid, since when. */
export interface RecordedProcess {
  readonly pid: number;
  readonly host: string;
  /**
   * When the process started, as its machine counts it (see {@link processStart}); absent
   * where that cannot be read, and in records written before it was kept.
   */
  readonly processStart?: string;
}

/**
 * Whether the process a record names may still run. One on another machine cannot be
 * looked at from here, so it counts as running: only its own machine can say it ended.
 */
export function mayStillRun(recorded: RecordedProcess): boolean {
  if (recorded.host !== hostname()) return true;
  // This process wrote no record of itself yet: one naming its pid was left by an earlier one.
  if (recorded.pid === process.pid || !isRunningHere(recorded.pid)) return false;
  // Pids are reused (32,768 of them by default on Linux): another start is another process.
  const start = processStart(recorded.pid);
  return (
    recorded.processStart === undefined || start === undefined || start === recorded.processStart
  );
}

/**
 * When a process of this machine started, in clock ticks since boot (`/proc/PID/stat`,
 * field 22): with the pid, it names one process for good. Undefined without `/proc`.
 */
export function processStart(pid: number): string | undefined {
  const stat = readProcStat(pid);
  // The command name, field 2, may hold spaces and parentheses: count from its end.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields?.[19];
}

/** Whether a process of this machine runs; a zombie (ended, not yet reaped) does not. */
function isRunningHere(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A process whose parent died is reaped by init, which in a container may never do it.
  const stat = readProcStat(pid);
  return stat === undefined || !/^\d+ \(.*\) Z/s.test(stat);
}

function readProcStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No /proc (macOS): kill's answer is all there is.
    return undefined;
  }
}
