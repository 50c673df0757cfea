import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { rules } from '../../shared/core/issues/rules.ts';

describe('docs', () => {
  it('document every rule with the severity and summary of the registry', async () => {
    const pages = ['manifests.md', 'governance.md', 'drift.md'];
    const docs = (
      await Promise.all(
        pages.map((page) => readFile(new URL(`../../docs/${page}`, import.meta.url), 'utf8')),
      )
    ).join('\n');
    const rows = [...docs.matchAll(/^\| `([^`]+)` \| (error|warning) \| (.*) \|$/gm)].map(
      (match) => [match[1], { severity: match[2], summary: match[3] }] as const,
    );
    expect(Object.fromEntries(rows)).toEqual(rules);
  });
});
