/** Marks a process whose warnings are already filtered, so that filtering twice is harmless. */
const FILTERED = Symbol.for('infrastream.sqlite-warning-filtered');

/**
 * Drops the ExperimentalWarning Node prints the first time `node:sqlite` is loaded (Node 22
 * and 23 call the embedded state store's database experimental), which would otherwise end up
 * in every command's output; every other warning goes through as before. Node emits it through
 * `process.emitWarning`, so this must run before anything imports the store.
 */
export function filterSqliteExperimentalWarning(target: NodeJS.Process = process): void {
  const marked = target as NodeJS.Process & { [FILTERED]?: true };
  if (marked[FILTERED] === true) return;
  marked[FILTERED] = true;
  const emitWarning = target.emitWarning.bind(target) as (...args: unknown[]) => void;
  target.emitWarning = (warning: unknown, ...rest: unknown[]) => {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    emitWarning(warning, ...rest);
  };
}

/** `warning` and the second argument of `process.emitWarning`, in any of its forms. */
function isSqliteExperimentalWarning(warning: unknown, typeOrOptions: unknown): boolean {
  const type =
    warning instanceof Error
      ? warning.name
      : typeof typeOrOptions === 'string'
        ? typeOrOptions
        : (typeOrOptions as { type?: unknown } | undefined)?.type;
  const message = warning instanceof Error ? warning.message : warning;
  return (
    type === 'ExperimentalWarning' && typeof message === 'string' && /\bSQLite\b/.test(message)
  );
}
