import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  documentId,
  fromDocumentId,
  repositoryPaths,
} from '../../shared/pipeline/state-documents.ts';

describe('document ids', () => {
  it('encode any text injectively, never as a path, a dot name or a reserved id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const id = documentId(a);
        expect(id).not.toContain('/');
        expect(['', '.', '..']).not.toContain(id);
        expect(id).not.toMatch(/^__.*__$/);
        expect(fromDocumentId(id)).toBe(a);
        if (a !== b) expect(documentId(b)).not.toBe(id);
      }),
    );
  });

  it('keep the names people read when there is nothing to escape', () => {
    expect(documentId('payments.production.shop')).toBe('payments.production.shop');
    expect(documentId('acme/platform')).toBe('acme%2Fplatform');
    expect(documentId('100%')).toBe('100%25');
    expect(documentId('__name__')).toBe('%__name__');
    expect(fromDocumentId('%__name__')).toBe('__name__');
  });

  it('lay out a repository so that revisions sort by sequence', () => {
    const paths = repositoryPaths({ owner: 'acme', name: 'platform' });
    expect(paths.revision(9) < paths.revision(10)).toBe(true);
    expect(paths.build('payments.production.shop', 'abc')).toBe(
      'repositories/acme%2Fplatform/builds/payments.production.shop@abc',
    );
    expect(paths.resource('Project:acme/payments/production/shop')).toBe(
      'repositories/acme%2Fplatform/resources/Project:acme%2Fpayments%2Fproduction%2Fshop',
    );
  });
});
