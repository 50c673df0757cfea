import type { Json } from './governance-model.ts';

/** The named fields of a spec that are set, as JSON. */
export function pick<T extends object>(
  value: T,
  keys: readonly (keyof T & string)[],
): { [key: string]: Json } {
  const result: { [key: string]: Json } = {};
  for (const key of keys) if (value[key] !== undefined) result[key] = value[key] as Json;
  return result;
}
