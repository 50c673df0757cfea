/** What the field table of docs/manifests.md says about one field. */
export interface FieldRow {
  readonly kind: string;
  readonly path: string;
  readonly landsIn: string;
  readonly status: FieldStatus;
}

/** The statuses the field table gives. */
export const fieldStatuses = [
  'rendered',
  'partly rendered',
  'enforced',
  'governance',
  'documentation',
  'not rendered',
] as const;

/** A status of the field table. */
export type FieldStatus = (typeof fieldStatuses)[number];

/** The rows of the field table (`| kind | field | lands in | status |`) in a page's text. */
export function fieldTable(markdown: string): FieldRow[] {
  const row = new RegExp(
    `^\\| ([A-Za-z]+) \\| \`([^\`]+)\` \\| (.*) \\| (${fieldStatuses.join('|')}) \\|$`,
    'gm',
  );
  return [...markdown.matchAll(row)].map((match) => ({
    kind: match[1] ?? '',
    path: match[2] ?? '',
    landsIn: match[3] ?? '',
    status: (match[4] ?? '') as FieldStatus,
  }));
}
