/** Lines kept of a failed step's log: enough for Terraform's error and its context. */
const MAX_LINES = 12;
const MAX_CHARACTERS = 2_000;

/**
 * The lines of a failed Terraform step's log that say why: from its first `Error:` on
 * (Terraform's diagnostics, without their frame), else the log's last lines, at most a dozen and 2,000
 * characters, trimmed of blank lines. Empty for an empty log.
 */
export function terraformErrorLines(log: string): string {
  // Terraform frames each diagnostic in box-drawing characters, which say nothing here.
  const lines = log.split(/\r?\n/).map((line) => line.replace(/^[│╷╵]\s?/, '').trimEnd());
  const first = lines.findIndex((line) => line.startsWith('Error:'));
  const kept = (first >= 0 ? lines.slice(first) : lines)
    .filter((line) => line !== '')
    .slice(first >= 0 ? 0 : -MAX_LINES)
    .slice(0, MAX_LINES)
    .join('\n');
  return kept.length <= MAX_CHARACTERS ? kept : `${kept.slice(0, MAX_CHARACTERS - 1)}…`;
}
