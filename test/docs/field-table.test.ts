import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unsupportedFields } from '../../shared/core/render/unsupported-fields.ts';
import { fieldTable } from '../support/field-table.ts';
import { schemaFields } from '../support/schema-fields.ts';

/** Whether an entry's field covers a row's: the same field, or one under it. */
function covers(entryField: string, rowField: string): boolean {
  return (
    rowField === entryField ||
    rowField.startsWith(`${entryField}.`) ||
    rowField.startsWith(`${entryField}[]`)
  );
}

describe('the field table of docs/manifests.md', () => {
  const rows = fieldTable(
    readFileSync(new URL('../../docs/manifests.md', import.meta.url), 'utf8'),
  );
  const key = (row: { kind: string; path: string }) => `${row.kind} ${row.path}`;

  it('has one row for every field of every kind, and none for a field that is gone', () => {
    const documented = rows.map(key);
    const accepted = schemaFields().map(key);
    expect(
      accepted.filter((field) => !documented.includes(field)),
      'fields without a row',
    ).toEqual([]);
    expect(
      documented.filter((field) => !accepted.includes(field)),
      'rows whose field no longer exists',
    ).toEqual([]);
    expect(new Set(documented).size, 'rows for the same field').toBe(documented.length);
  });

  it('names the rule of exactly the fields the renderer reports as not rendered', () => {
    const wrong: string[] = [];
    for (const row of rows) {
      const rulesOf = unsupportedFields
        .filter(
          (entry) =>
            entry.kind === row.kind && entry.fields.some((field) => covers(field, row.path)),
        )
        .map((entry) => entry.rule);
      for (const rule of ['render/unsupported', 'render/refused'] as const) {
        if (rulesOf.includes(rule) !== row.landsIn.includes(`\`${rule}\``))
          wrong.push(
            `${key(row)}: ${rule} ${rulesOf.includes(rule) ? 'reported' : 'not reported'}`,
          );
      }
      if (row.status === 'not rendered' && rulesOf.length === 0)
        wrong.push(`${key(row)}: not rendered, and nothing reports it`);
    }
    expect(wrong).toEqual([]);
  });

  it('covers with every reported field a row of the table', () => {
    const stale = unsupportedFields.flatMap((entry) =>
      entry.fields
        .filter((field) => !rows.some((row) => row.kind === entry.kind && covers(field, row.path)))
        .map((field) => `${entry.kind} ${field}`),
    );
    expect(stale).toEqual([]);
  });
});
