/** Firestore's limit on one id, in UTF-8 bytes; the embedded store keeps the same rule. */
const MAX_ID_BYTES = 1500;
/** Firestore reserves ids of this shape (`__name__`, `__id7__`); neither store accepts them. */
const RESERVED_ID = /^__.*__$/;
/** A UTF-16 surrogate without its pair: no UTF-8 form, so neither store could keep the id. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Splits a document path (`collection/id/collection/id…`) into its segments, or throws an
 * error that names the path, what a document path must be and what was found.
 */
export function parseDocumentPath(path: string): readonly string[] {
  const segments = parsePath('document', path);
  if (segments.length % 2 !== 0) {
    throw new Error(
      `Invalid document path "${path}": a document path has an even number of segments ` +
        `(collection/id, collection/id/collection/id, …), found ${String(segments.length)}`,
    );
  }
  return segments;
}

/**
 * Splits a collection path (`collection` or `collection/id/collection…`) into its segments,
 * or throws an error that names the path and what was wrong with it.
 */
export function parseCollectionPath(path: string): readonly string[] {
  const segments = parsePath('collection', path);
  if (segments.length % 2 !== 1) {
    throw new Error(
      `Invalid collection path "${path}": a collection path has an odd number of segments ` +
        `(collection, collection/id/collection, …), found ${String(segments.length)}`,
    );
  }
  return segments;
}

function parsePath(kind: 'document' | 'collection', path: unknown): readonly string[] {
  if (typeof path !== 'string' || path === '') {
    throw new Error(`Invalid ${kind} path ${describe(path)}: expected a non-empty string`);
  }
  const segments = path.split('/');
  segments.forEach((segment, index) => {
    const where = `Invalid ${kind} path "${path}": segment ${String(index + 1)}`;
    if (segment === '') {
      throw new Error(`${where} is empty (no leading, trailing or double slashes)`);
    }
    if (segment === '.' || segment === '..') {
      throw new Error(`${where} is "${segment}", which is not an id`);
    }
    if (RESERVED_ID.test(segment)) {
      throw new Error(`${where} ("${segment}") has the reserved form __…__`);
    }
    if (LONE_SURROGATE.test(segment)) {
      throw new Error(`${where} contains an unpaired UTF-16 surrogate`);
    }
    const bytes = Buffer.byteLength(segment);
    if (bytes > MAX_ID_BYTES) {
      throw new Error(
        `${where} is ${String(bytes)} bytes long; ids are at most ${String(MAX_ID_BYTES)}`,
      );
    }
  });
  return segments;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : typeof value;
}
