/**
 * The text with every carriage return that stands alone made a line feed. YAML 1.2 ends a
 * line at CR LF, CR or LF, but the parser and its line counter know only LF and CR LF; one
 * code unit for one keeps every offset, so ranges, lines and columns stay those of the file.
 */
export function normalizeLineBreaks(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}
