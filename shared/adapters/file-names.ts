import { createHash } from 'node:crypto';

/** Characters kept as they are: safe on every file system, including case-insensitive ones. */
const KEPT = /^[a-z0-9._~-]$/;
/** Past this length a name is shortened and made unique by a hash, under the 255-byte limit. */
const MAX_NAME_LENGTH = 150;
const KEPT_PREFIX_LENGTH = 100;

/**
 * The file name for one id: readable for ordinary ids (`acme~platform`, commit shas),
 * distinct for ids that differ only in case (`A` is `^a`), with anything else
 * percent-encoded by UTF-8 byte. Long ids keep a prefix and gain a hash after a `+`, which
 * an encoded name never contains, so no two ids share a name. Names are never decoded: a
 * document's file records its id.
 */
export function fileNameForId(id: string): string {
  let name = '';
  for (const character of id) {
    if (KEPT.test(character)) name += character;
    else if (character >= 'A' && character <= 'Z') name += `^${character.toLowerCase()}`;
    else {
      for (const byte of Buffer.from(character, 'utf8')) {
        name += `%${byte.toString(16).padStart(2, '0')}`;
      }
    }
  }
  if (name.length <= MAX_NAME_LENGTH) return name;
  const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 40);
  return `${name.slice(0, KEPT_PREFIX_LENGTH)}+${hash}`;
}
