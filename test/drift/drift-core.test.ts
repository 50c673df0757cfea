import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readAcknowledgements } from '../../shared/core/drift/drift-acknowledgements.ts';
import { attributeSeverity, severityTable } from '../../shared/core/drift/drift-severity.ts';
import { readResourceDrift, SENSITIVE } from '../../shared/core/drift/read-resource-drift.ts';
import { sha256Hex } from '../../shared/core/drift/sha256.ts';

describe('the drift core', () => {
  it('hashes as SHA-256 does, for every padding length and for text beyond ASCII', () => {
    for (const text of [
      '',
      'abc',
      'a'.repeat(55),
      'a'.repeat(56),
      'a'.repeat(64),
      'é✓𝄞'.repeat(40),
    ])
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });

  it('rates public and privileged grants critical and drops the provider’s noise', () => {
    expect(attributeSeverity('google_storage_bucket_iam_member', 'member', 'allUsers')).toBe(
      'critical',
    );
    expect(attributeSeverity('google_project_iam_member', 'role', 'roles/owner')).toBe('critical');
    expect(attributeSeverity('google_project_iam_member', 'role', 'roles/run.invoker')).toBe(
      'high',
    );
    expect(attributeSeverity('google_cloud_run_v2_service', 'client_version', '1')).toBe('dropped');
    expect(
      attributeSeverity('google_cloud_run_v2_service', 'template.0.containers.0.image', 'x'),
    ).toBe('low');
  });

  it('shows the severity table in docs/drift.md row for row', async () => {
    const docs = await readFile(new URL('../../docs/drift.md', import.meta.url), 'utf8');
    const rows = [
      ...docs.matchAll(/^\| `([^`]+)` +\| `([^`]+)` +\| (\w*) +\| (\w+) +\| (.*?) +\|$/gm),
    ];
    expect(rows.map((row) => [row[1], row[2], row[3] || undefined, row[4], row[5]])).toEqual(
      severityTable.map((rule) => [
        rule.type,
        rule.attribute,
        rule.when,
        rule.verdict,
        rule.reason,
      ]),
    );
  });

  it('keeps no sensitive value of a drifted attribute', () => {
    const read = readResourceDrift(
      {
        resource_drift: [
          {
            address: 'module.secret_db.google_secret_manager_secret_version.this',
            type: 'google_secret_manager_secret_version',
            change: {
              actions: ['update'],
              before: { secret_data: 'old-password' },
              after: { secret_data: 'new-password' },
              before_sensitive: { secret_data: true },
              after_sensitive: { secret_data: true },
            },
          },
        ],
      },
      'w',
      () => undefined,
    );
    expect(JSON.stringify(read)).not.toContain('password');
    expect(read.ok && read.observations[0]).toMatchObject({ before: SENSITIVE, after: SENSITIVE });
  });

  it('locates what is wrong in the acknowledgements file and lets none of it cover', () => {
    const file = readAcknowledgements(
      'acknowledgements:\n  - fingerprint: abc\n    reason: ok\n    expires: 2030-01-01\n',
      '2026-01-01T00:00:00Z',
    );
    expect(file.acknowledgements).toEqual([]);
    expect(file.issues.map((issue) => [issue.rule, issue.line, issue.column])).toEqual([
      ['drift/acknowledgements', 2, 18],
    ]);
    expect(file.issues[0]?.message).toContain('expected a fingerprint, 32 lowercase hex digits');
  });
});
