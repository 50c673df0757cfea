import { describe, expect, it } from 'vitest';
import {
  formatGovernedRepository,
  isGovernedRepository,
  parseGovernedRepository,
  repositoryKey,
} from '../../shared/core/pipeline/governed-repository.ts';

const governed = { owner: 'acme', name: 'platform', id: 42 };

describe('the governed repository', () => {
  it('reads OWNER/NAME#ID, and OWNER/NAME for a repository without an id', () => {
    expect(parseGovernedRepository('acme/platform#42')).toEqual({ ok: true, repository: governed });
    expect(parseGovernedRepository(' Acme-Corp/.github.io_x#9007199254740991 ')).toEqual({
      ok: true,
      repository: { owner: 'Acme-Corp', name: '.github.io_x', id: 9007199254740991 },
    });
    expect(parseGovernedRepository('local/examples')).toEqual({
      ok: true,
      repository: { owner: 'local', name: 'examples' },
    });
  });

  it.each([
    ['no name', 'platform#42'],
    ['a path', 'acme/platform/extra#42'],
    ['a name of dots', 'acme/..#42'],
    ['an owner with a dot', 'ac.me/platform#42'],
    ['an empty id', 'acme/platform#'],
    ['a URL', 'https://github.com/acme/platform'],
  ])('refuses %s', (_what, text) => {
    expect(parseGovernedRepository(text)).toEqual({
      ok: false,
      message: expect.stringContaining(`expected OWNER/NAME#ID`) as unknown,
    });
  });

  it.each(['0', '042', '9007199254740992'])('refuses the id %s', (id) => {
    expect(parseGovernedRepository(`acme/platform#${id}`)).toEqual({
      ok: false,
      message: `expected GitHub's repository id after #, found "${id}"`,
    });
  });

  it('is keyed by its id when it has one, so that names never meet ids', () => {
    expect(repositoryKey(governed)).toBe('42');
    expect(repositoryKey({ owner: 'acme', name: 'renamed', id: 42 })).toBe('42');
    expect(repositoryKey({ owner: 'local', name: 'examples' })).toBe('local/examples');
    expect(formatGovernedRepository(governed)).toBe('acme/platform#42');
    expect(formatGovernedRepository({ owner: 'local', name: 'examples' })).toBe('local/examples');
  });

  it('recognizes itself by its id, renamed or not, and by name only where there is no id', () => {
    expect(
      isGovernedRepository(governed, { owner: 'acme-freight', name: 'manifests', id: 42 }),
    ).toBe(true);
    expect(isGovernedRepository(governed, { owner: 'acme', name: 'platform', id: 43 })).toBe(false);
    expect(isGovernedRepository(governed, { owner: 'ACME', name: 'Platform' })).toBe(true);
    expect(isGovernedRepository(governed, { owner: 'acme', name: 'website' })).toBe(false);
    const local = { owner: 'local', name: 'examples' };
    expect(isGovernedRepository(local, { owner: 'local', name: 'examples' })).toBe(true);
    expect(isGovernedRepository(local, { owner: 'local', name: 'examples', id: 1 })).toBe(false);
  });
});
