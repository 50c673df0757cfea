import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { rules } from '../../shared/core/issues/rules.ts';

describe('docs/manifests.md', () => {
  it('documents every rule with the severity and summary of the registry', async () => {
    const docs = await readFile(new URL('../../docs/manifests.md', import.meta.url), 'utf8');
    const rows = [...docs.matchAll(/^\| `([^`]+)` \| (error|warning) \| (.*) \|$/gm)].map(
      (match) => [match[1], { severity: match[2], summary: match[3] }] as const,
    );
    expect(Object.fromEntries(rows)).toEqual(rules);
  });
});
