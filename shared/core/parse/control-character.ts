/** A character YAML 1.2 allows nowhere in a file, and where it is. */
export interface ControlCharacter {
  /** Offset in UTF-16 code units. */
  readonly offset: number;
  /** `U+0000`, as people look it up. */
  readonly codePoint: string;
}

// The C0 controls but tab, line feed and carriage return: YAML 1.2 allows them nowhere,
// not even in quoted text, where they are written as escapes (`\0`, `\e`). The other
// controls (DEL, C1) it allows in quoted text, for JSON's sake.
// eslint-disable-next-line no-control-regex -- the controls are what it looks for
const C0_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/**
 * The first character of `text` that YAML 1.2 allows nowhere in a file: NUL or another
 * C0 control but tab and line breaks. Editors do not show them and parsers disagree on
 * them (NUL ends a C string).
 */
export function firstControlCharacter(text: string): ControlCharacter | undefined {
  const match = C0_CONTROL.exec(text);
  if (match === null) return undefined;
  const code = match[0].charCodeAt(0);
  return {
    offset: match.index,
    codePoint: `U+${code.toString(16).toUpperCase().padStart(4, '0')}`,
  };
}
