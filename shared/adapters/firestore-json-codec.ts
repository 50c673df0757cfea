import type { DocumentData } from '../ports/document-store.ts';

/** The suffix of a field stored as JSON text; alone, the field of a whole document so stored. */
const ENCODED = '~json';
/**
 * A map or array field holding more values than this is stored as JSON text. Firestore
 * checks, encodes and indexes every value of a document on its own, and the state is only
 * ever read whole, by document id: for payloads such as a manifest's spec or a plan that
 * work buys nothing, and it is most of what writing a large push costs (measured on the
 * emulator: 20,000 graph documents in 1.9 s instead of 3.2 s, and 0.8 s of client CPU
 * instead of 2.0 s). Small maps (a revision pointer, a build's state) stay readable fields.
 */
const MAX_NATIVE_FIELD_VALUES = 8;
/** Well under the 40,000 index entries a document may have, at a few per value. */
const MAX_NATIVE_FIELDS = 1000;
const MAX_FIELD_NAME_BYTES = 1500;
const RESERVED_FIELD_NAME = /^__.*__$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Turns JSON fields into what is written to Firestore. A map or array field with more than
 * a few values is stored as its JSON text under `<name>~json`, and so is any field Firestore
 * cannot hold as it is (an array directly in an array, a field named `__…__` or empty, a
 * lone surrogate); the other fields are stored as they are, readable in the console. A
 * document with a top-level field name Firestore refuses, or ending in `~json`, is stored
 * whole as JSON text in the single field `~json`, and so is one with more than a thousand
 * fields. Every JSON document round-trips exactly. The result shares nothing with `data`:
 * a caller may change its objects while the write is on its way.
 */
export function toFirestoreData(data: DocumentData): DocumentData {
  const fields = Object.entries(data);
  const whole = () => ({ [ENCODED]: JSON.stringify(data) });
  if (fields.length > MAX_NATIVE_FIELDS) return whole();
  const stored: Record<string, unknown> = {};
  for (const [name, value] of fields) {
    if (!isFieldName(name) || name.endsWith(ENCODED)) return whole();
    if (exceeds(value, MAX_NATIVE_FIELD_VALUES) || !isNative(value, false)) {
      stored[name + ENCODED] = JSON.stringify(value);
    } else {
      stored[name] = typeof value === 'object' && value !== null ? structuredClone(value) : value;
    }
  }
  return stored;
}

/** Reverses {@link toFirestoreData}. */
export function fromFirestoreData(stored: DocumentData): DocumentData {
  const whole = stored[ENCODED];
  if (typeof whole === 'string') return JSON.parse(whole) as DocumentData;
  // Defined rather than assigned, like JSON.parse does: no name, not even `__proto__`, can
  // reach the prototype.
  return Object.fromEntries(
    Object.entries(stored).map(([name, value]) =>
      name.endsWith(ENCODED) && typeof value === 'string'
        ? [name.slice(0, -ENCODED.length), JSON.parse(value) as unknown]
        : [name, value],
    ),
  );
}

/** A field name Firestore accepts, with room for the suffix of an encoded field. */
function isFieldName(name: string): boolean {
  return (
    name !== '' &&
    !RESERVED_FIELD_NAME.test(name) &&
    !LONE_SURROGATE.test(name) &&
    Buffer.byteLength(name) <= MAX_FIELD_NAME_BYTES - ENCODED.length
  );
}

/** Whether `value` holds more than `limit` values, counting itself; stops counting past it. */
function exceeds(value: unknown, limit: number): boolean {
  let remaining = limit;
  const count = (item: unknown): boolean => {
    if (--remaining < 0) return true;
    if (typeof item !== 'object' || item === null) return false;
    for (const child of Object.values(item)) if (count(child)) return true;
    return false;
  };
  return count(value);
}

/**
 * Whether Firestore holds `value` as it is. Depth needs no check: a native field holds a
 * few values, far from Firestore's 20 levels.
 */
function isNative(value: unknown, inArray: boolean): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return !inArray && value.every((item) => isNative(item, true));
  return Object.entries(value).every(([key, child]) => isFieldName(key) && isNative(child, false));
}
