import { describe, expect, it } from 'vitest';
import { didYouMean, quoteList, suggest } from '../../shared/core/text/suggest.ts';

describe('suggest', () => {
  const fields = ['description', 'displayName', 'permissions', 'region'];

  it('finds a misspelling within a third of its length', () => {
    expect(suggest('descripton', fields)).toBe('description');
    expect(suggest('Region', fields)).toBe('region');
    expect(suggest('permission', fields)).toBe('permissions');
  });

  it('suggests nothing for an unrelated word', () => {
    expect(suggest('replicas', fields)).toBeUndefined();
    expect(didYouMean('replicas', fields)).toBe('');
  });

  it('quotes lists for messages', () => {
    expect(quoteList(['a', 'b', 'c'])).toBe('"a", "b" or "c"');
    expect(quoteList(['a'])).toBe('"a"');
  });
});
