import { CST, Lexer } from 'yaml';

/** Tokens that are a value, a key or a list item of their own. */
const VALUE_TOKENS = new Set<string | null>([
  'single-quoted-scalar',
  'double-quoted-scalar',
  'alias',
  'flow-map-start',
  'flow-seq-start',
  'seq-item-ind',
]);

/**
 * The offset of the first value past `maxValues` in `text`, or undefined: scalars (keys
 * and values), list items and flow collections, as the lexer finds them. The parser's
 * tree takes hundreds of bytes per value, so a megabyte of `[[]]` or of one-letter keys
 * makes hundreds of megabytes; the lexer is a fraction of the parse and keeps nothing.
 */
export function valueOverflow(text: string, maxValues: number): number | undefined {
  // Every value takes a character at least: a short text cannot hold too many.
  if (text.length <= maxValues) return undefined;
  let values = 0;
  let offset = 0;
  let scalarText = false;
  for (const token of new Lexer().lex(text)) {
    // Markers announce what follows and take no text (the reader refuses the control
    // characters they are made of); the text of a plain or block scalar follows one.
    if (token === CST.SCALAR || token === CST.DOCUMENT || token === CST.FLOW_END) {
      if (token === CST.SCALAR && ++values > maxValues) return offset;
      scalarText = token === CST.SCALAR;
      continue;
    }
    if (!scalarText && VALUE_TOKENS.has(CST.tokenType(token)) && ++values > maxValues)
      return offset;
    scalarText = false;
    offset += token.length;
  }
  return undefined;
}
