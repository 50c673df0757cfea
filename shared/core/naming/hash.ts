/**
 * Hashes that shorten a name without merging two: a name cut to fit keeps the hash of the
 * whole identity it stands for, so that two names cut to the same text still differ.
 */

/** FNV-1a, 32 bits, as 7 base-36 characters: stable across runs and platforms. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, '0');
}

/** How long `-<hash>` is. */
export const HASH_SUFFIX = 8;

/**
 * `<readable, cut>-<hash of identity>`, at most `max` characters. The hash is always the
 * last seven characters, so two such names are equal only if the hashes of their
 * identities are, whatever the readable part says.
 */
export function withHash(readable: string, identity: string, max: number): string {
  return `${cut(readable, max - HASH_SUFFIX)}-${shortHash(identity)}`;
}

/**
 * The name itself when it fits in `max`, else cut with the hash of the whole. For names
 * that are their own identity in the place they are unique, such as an application's name
 * in its project.
 */
export function fit(name: string, max: number): string {
  return name.length <= max ? name : withHash(name, name, max);
}

/** The first `length` characters, without the hyphens a cut may leave at the end. */
export function cut(text: string, length: number): string {
  return text.slice(0, length).replace(/-+$/, '');
}
