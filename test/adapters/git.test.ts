import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git } from '../../shared/adapters/git.ts';
import { classifyFailure } from '../../shared/ports/classify-failure.ts';
import type { FailureKind } from '../../shared/ports/port-error.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';

let repository: TestRepository;
let outside: string;
beforeEach(async () => {
  repository = await createTestRepository();
  await repository.write({ 'organization.yaml': 'kind: Organization\n' });
  await repository.commit('manifests');
  outside = await mkdtemp(join(tmpdir(), 'infrastream-not-a-repository-'));
});
afterEach(async () => {
  await rm(repository.directory, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('git errors in the three classes', () => {
  const table: readonly {
    readonly failure: string;
    readonly run: () => Promise<unknown>;
    readonly kind: FailureKind;
    readonly said: RegExp;
  }[] = [
    {
      failure: 'an object the repository does not have',
      run: () => git(repository.directory, ['cat-file', 'blob', 'f'.repeat(40)]),
      kind: 'permanent',
      said: /git cat-file blob f{40} failed \(128\): fatal: /,
    },
    {
      failure: 'a folder that is no repository',
      run: () => git(outside, ['ls-tree', '-r', 'HEAD']),
      kind: 'permanent',
      said: /not a git repository/,
    },
    {
      failure: 'a folder that does not exist',
      run: () => git(join(outside, 'missing'), ['status']),
      kind: 'permanent',
      said: /could not start in .*missing: spawn git ENOENT/,
    },
    {
      failure: 'a lock another git process holds',
      run: async () => {
        await writeFile(join(repository.directory, '.git', 'index.lock'), '');
        return git(repository.directory, ['update-index', '--refresh']);
      },
      kind: 'transient',
      said: /Unable to create '.*index\.lock': File exists/,
    },
  ];
  for (const row of table) {
    it(`${row.failure}: ${row.kind}`, async () => {
      const error = await row.run().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(Error);
      expect(classifyFailure(error)).toMatchObject({
        kind: row.kind,
        reason: expect.stringMatching(row.said) as unknown,
      });
    });
  }
});
