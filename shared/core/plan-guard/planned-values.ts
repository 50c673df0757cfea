/**
 * Reading the attributes of a planned resource. `terraform show -json` leaves out of
 * `after` what is known only after apply and marks it in `after_unknown`; the two are
 * merged here so that a rule sees such a value as {@link UNKNOWN} instead of as absent,
 * and never mistakes "decided later" for "not set".
 */

/** A value Terraform will only know after apply. */
export const UNKNOWN: unique symbol = Symbol('known after apply');

/** An object of planned attributes (a resource, or one nested block). */
export type Attributes = Readonly<Record<string, unknown>>;

/** `after` with every unknown value replaced by {@link UNKNOWN}. */
export function withUnknowns(after: unknown, afterUnknown: unknown): unknown {
  if (afterUnknown === true) return UNKNOWN;
  // Nothing is unknown inside what will not exist (null), nor inside a literal value.
  if (after === null || (after !== undefined && typeof after !== 'object')) return after;
  if (Array.isArray(afterUnknown)) {
    const items: readonly unknown[] = Array.isArray(after) ? after : [];
    const length = Math.max(items.length, afterUnknown.length);
    return Array.from({ length }, (_, index) => withUnknowns(items[index], afterUnknown[index]));
  }
  if (isAttributes(afterUnknown)) {
    const base = isAttributes(after) ? after : {};
    const keys = new Set([...Object.keys(base), ...Object.keys(afterUnknown)]);
    // fromEntries defines own properties, so a key such as __proto__ stays a key.
    return Object.fromEntries(
      [...keys].map((key) => [key, withUnknowns(own(base, key), own(afterUnknown, key))]),
    );
  }
  return after;
}

/** Whether a value is an object of attributes (not an array, not null). */
export function isAttributes(value: unknown): value is Attributes {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An attribute of an object, only when the object holds it itself. */
export function own(value: unknown, key: string): unknown {
  return isAttributes(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

/** The bodies of a nested block, which the provider's schema prints as an array of objects. */
export function blocks(value: unknown, key: string): Attributes[] {
  const list = own(value, key);
  return Array.isArray(list) ? list.filter(isAttributes) : [];
}

/** The first body of a nested block that holds at most one, such as `settings`. */
export function block(value: unknown, key: string): Attributes | undefined {
  return blocks(value, key)[0];
}

/** The strings of a list attribute, and whether some of it is only known after apply. */
export interface StringList {
  readonly known: readonly string[];
  readonly unknown: boolean;
}

/** Reads a list (or set) of strings; an unset list is an empty one. */
export function stringList(value: unknown): StringList {
  if (value === UNKNOWN) return { known: [], unknown: true };
  if (!Array.isArray(value)) return { known: [], unknown: false };
  return {
    known: value.filter((item): item is string => typeof item === 'string'),
    unknown: value.some((item) => item === UNKNOWN),
  };
}

/** Whether a list holds something, counting values known only after apply. */
export function isNonEmpty(list: StringList): boolean {
  return list.known.length > 0 || list.unknown;
}

/** A value as a message shows it: quoted, "not set", or "not known until apply". */
export function describe(value: unknown): string {
  if (value === UNKNOWN) return 'not known until apply';
  if (value === undefined || value === null) return 'not set';
  return JSON.stringify(value);
}

/** Up to four items joined for a message, then how many more. */
export function listed(items: readonly string[]): string {
  const shown = items.slice(0, 4).join(', ');
  return items.length > 4 ? `${shown} and ${items.length - 4} more` : shown;
}

/**
 * A "TRUE"/"FALSE" string (as the org policy resources spell booleans) or a boolean, as a
 * boolean; anything else as undefined.
 */
export function truthValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toUpperCase();
  return text === 'TRUE' ? true : text === 'FALSE' ? false : undefined;
}
