// docs/governance.md shows the plan guard's rule table and protected types as the code has
// them: a rule or a type added, changed or removed must be documented too.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planRules } from '../../shared/core/plan-guard/plan-rules.ts';
import { protectedResources } from '../../shared/core/plan-guard/protected-resources.ts';

const governance = readFileSync(new URL('../../docs/governance.md', import.meta.url), 'utf8');

describe('the plan guard docs', () => {
  it('show every rule with its summary and the checks it mirrors', () => {
    const rows = [...governance.matchAll(/^\| `(plan\/[a-z-]+)` \| (.*) \| (.*) \|$/gm)].map(
      (match) => [match[1], { summary: match[2], mirrors: match[3] }] as const,
    );
    const expected = Object.entries(planRules).map(
      ([id, rule]) =>
        [
          id,
          {
            summary: rule.summary,
            mirrors: rule.mirrors.length === 0 ? '—' : rule.mirrors.join(', '),
          },
        ] as const,
    );
    expect(rows).toEqual(expected);
  });

  it('show every protected type with what is lost', () => {
    const section = governance.slice(governance.indexOf('### Protected types'));
    const rows = [...section.matchAll(/^\| `(google_[a-z0-9_]+)` \| (.*) \|$/gm)].map((match) => [
      match[1],
      match[2],
    ]);
    expect(Object.fromEntries(rows)).toEqual(protectedResources);
  });
});
