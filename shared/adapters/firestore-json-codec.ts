import type { DocumentData } from '../ports/document-store.ts';

/**
 * The one field of a document stored as JSON text. Any document with a field of this name is
 * stored encoded, so a document read back with it was always encoded.
 */
const ENCODED_FIELD = '~json';
/** Within Firestore's limits on native values (https://firebase.google.com/docs/firestore/quotas). */
const MAX_DEPTH = 16;
const MAX_FIELD_NAME_BYTES = 1500;
const RESERVED_FIELD_NAME = /^__.*__$/;
/** Well under the 40,000 index entries a document may have, at up to three per value. */
const MAX_NATIVE_VALUES = 2000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Turns JSON fields into what is written to Firestore. Firestore cannot hold every JSON
 * value as it is: no array directly in an array, no field named `__…__` or empty, at most
 * 20 levels, well-formed UTF-8, a bounded number of index entries. A document within those
 * limits is stored as native fields (readable in the console); any other is stored as its
 * JSON text in the single field `~json`, so every JSON document round-trips exactly.
 */
export function toFirestoreData(data: DocumentData): DocumentData {
  return isNative(data) ? data : { [ENCODED_FIELD]: JSON.stringify(data) };
}

/** Reverses {@link toFirestoreData}. */
export function fromFirestoreData(stored: DocumentData): DocumentData {
  const keys = Object.keys(stored);
  const text = stored[ENCODED_FIELD];
  if (keys.length === 1 && typeof text === 'string') return JSON.parse(text) as DocumentData;
  return stored;
}

function isNative(data: DocumentData): boolean {
  if (Object.hasOwn(data, ENCODED_FIELD)) return false;
  let values = 0;
  return fits(data, 0, false);

  function fits(value: unknown, depth: number, inArray: boolean): boolean {
    if (++values > MAX_NATIVE_VALUES) return false;
    if (typeof value === 'string') return !LONE_SURROGATE.test(value);
    if (typeof value !== 'object' || value === null) return true;
    if (depth > MAX_DEPTH) return false;
    if (Array.isArray(value)) {
      return !inArray && value.every((item) => fits(item, depth + 1, true));
    }
    return Object.entries(value).every(
      ([key, child]) =>
        key !== '' &&
        !RESERVED_FIELD_NAME.test(key) &&
        !LONE_SURROGATE.test(key) &&
        Buffer.byteLength(key) <= MAX_FIELD_NAME_BYTES &&
        fits(child, depth + 1, false),
    );
  }
}
