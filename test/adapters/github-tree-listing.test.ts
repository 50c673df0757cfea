import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubRepositorySource } from '../../shared/adapters/github-repository-source.ts';
import type { TreeEntry } from '../../shared/ports/repository-source.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';

let fixture: GitHubFixture;
beforeEach(async () => {
  fixture = await createGitHubFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

/** An organization of 6 units × 5 environments × 3 projects, three folders deep. */
function organization(): Record<string, string> {
  const files: Record<string, string> = { 'organization.yaml': 'kind: Organization\n' };
  for (const unit of ['freight', 'billing', 'fleet', 'people', 'sales', 'support']) {
    for (const environment of ['dev', 'test', 'qa', 'staging', 'production']) {
      for (const project of ['api', 'web', 'jobs']) {
        files[`units/${unit}/${environment}/${project}.yaml`] = `kind: Project # ${unit}\n`;
      }
    }
  }
  return files;
}

const byPath = (entries: readonly TreeEntry[]) =>
  [...entries]
    .map(({ path, blob }) => ({ path, blob }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

describe('listing trees incrementally', () => {
  /** What a source that never listed this repository lists: one recursive request. */
  async function coldListing(commit: string) {
    return byPath(
      await createGitHubRepositorySource({ octokit: fixture.octokit }).tree(
        fixture.repository,
        commit,
      ),
    );
  }
  const treeRequests = () => fixture.requestsTo('GET', /\/git\/trees\//);

  it('fetches only the folders a one-file change touched, and lists what a cold read lists', async () => {
    const { repo } = fixture;
    await repo.write(organization());
    const first = await repo.commit('first');
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });
    await source.tree(fixture.repository, first);
    expect(treeRequests().map((request) => request.query.recursive)).toEqual(['1']);

    await repo.write({ 'units/fleet/staging/web.yaml': 'kind: Project # changed\n' });
    const second = await repo.commit('one file');
    const before = treeRequests().length;
    const listing = byPath(await source.tree(fixture.repository, second));
    // The commit's root, then units/, units/fleet/ and units/fleet/staging/: nothing recursive.
    const made = treeRequests().slice(before);
    expect(made.map((request) => request.query.recursive)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(listing).toEqual(await coldListing(second));
    expect(listing.find((entry) => entry.path === 'units/fleet/staging/web.yaml')?.blob).toBe(
      (await repo.git('rev-parse', `${second}:units/fleet/staging/web.yaml`)).trim(),
    );
  });

  it('lists added, removed and renamed folders exactly', async () => {
    const { repo } = fixture;
    await repo.write(organization());
    const first = await repo.commit('first');
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });
    await source.tree(fixture.repository, first);
    await repo.git('rm', '-r', '--quiet', 'units/people');
    await repo.git('mv', 'units/billing/dev', 'units/billing/development');
    await repo.write({ 'units/archive/2026/old.yaml': 'kind: Project\n' });
    const second = await repo.commit('reshape');
    expect(byPath(await source.tree(fixture.repository, second))).toEqual(
      await coldListing(second),
    );
  });

  it('reads a change that touches many folders in one recursive request', async () => {
    const { repo } = fixture;
    const files = organization();
    await repo.write(files);
    const first = await repo.commit('first');
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });
    await source.tree(fixture.repository, first);
    await repo.write(
      Object.fromEntries(Object.keys(files).map((path) => [path, `kind: Changed # ${path}\n`])),
    );
    const second = await repo.commit('everything');
    const before = treeRequests().length;
    const listing = byPath(await source.tree(fixture.repository, second));
    const made = treeRequests().slice(before);
    expect(made.at(-1)?.query.recursive).toBe('1');
    expect(made.length).toBeLessThanOrEqual(1 + 24 + 1);
    expect(listing).toEqual(await coldListing(second));
  });
});
