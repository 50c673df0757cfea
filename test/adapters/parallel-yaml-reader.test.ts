import { describe, expect, it } from 'vitest';
import { readYamlFilesInParallel } from '../../shared/adapters/parallel-yaml-reader.ts';
import { defaultYamlLimits } from '../../shared/core/parse/yaml-limits.ts';
import {
  validateRepository,
  type RepositoryFile,
} from '../../shared/core/validate/validate-repository.ts';
import { editedOrganization } from '../support/base-organization.ts';

/** The base organization, with one broken, one skipped and one invalid-but-readable file. */
const files: RepositoryFile[] = [
  ...editedOrganization({
    file: 'payments/unit.yaml',
    replace: 'name: payments',
    with: 'name: Payments',
  }),
  {
    path: 'broken.yaml',
    bytes: new TextEncoder().encode(
      'apiVersion: lowops.manifests.v1\nkind: Secret\nmetadata: {name: x\n',
    ),
  },
  { path: '.github/workflows/ci.yaml', bytes: new TextEncoder().encode('on: push\njobs: {}\n') },
  {
    path: 'alias.yaml',
    bytes: new TextEncoder().encode(
      'apiVersion: lowops.manifests.v1\nkind: Secret\nmetadata: &m {name: y}\nspec: *m\n',
    ),
  },
];

describe('reading on every core', () => {
  it('gives exactly what reading on one thread gives, issues and manifests alike', async () => {
    const reads = await readYamlFilesInParallel(files, defaultYamlLimits, 3);
    expect(reads.size).toBe(files.length);
    const parallel = validateRepository(files, { reads });
    const sequential = validateRepository(files);
    expect(parallel.issues).toEqual(sequential.issues);
    expect(parallel.issues.map((issue) => issue.rule)).toEqual(
      expect.arrayContaining(['yaml/syntax', 'yaml/alias', 'schema/name']),
    );
    expect(parallel.manifests.map((entry) => entry.id)).toEqual(
      sequential.manifests.map((entry) => entry.id),
    );
    expect(parallel.manifestCount).toBe(sequential.manifestCount);
    expect([...parallel.sources]).toEqual([...sequential.sources]);
  });

  it('keeps each parsed file’s source, so that later issues are located', async () => {
    const reads = await readYamlFilesInParallel(files, defaultYamlLimits, 2);
    const read = reads.get('payments/unit.yaml');
    expect(read?.status).toBe('parsed');
    if (read?.status !== 'parsed') return;
    expect(read.source.text).toContain('name: Payments');
    expect(read.source.lineCounter.linePos(read.source.text.indexOf('Payments'))).toEqual({
      line: 4,
      col: 9,
    });
  });
});
