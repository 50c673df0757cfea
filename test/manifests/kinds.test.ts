import { describe, expect, it } from 'vitest';
import {
  kindParents,
  kinds,
  parentKinds,
  type ParentKey,
} from '../../shared/core/manifests/kinds.ts';

describe('the hierarchy table', () => {
  it('is a chain: the ancestors of a kind are its parent and that parent’s ancestors', () => {
    for (const kind of kinds) {
      const [parent, ...rest] = kindParents[kind] as readonly ParentKey[];
      if (parent === undefined) continue;
      expect([kind, kindParents[parentKinds[parent]]]).toEqual([kind, rest]);
    }
  });

  it('has one root and 22 kinds', () => {
    expect(kinds).toHaveLength(22);
    expect(kinds.filter((kind) => kindParents[kind].length === 0)).toEqual(['Organization']);
  });
});
