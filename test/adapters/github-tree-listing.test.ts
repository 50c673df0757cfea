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
  /** A source that has listed the organization's first commit once, whole. */
  async function listedOnce() {
    await fixture.repo.write(organization());
    const first = await fixture.repo.commit('first');
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });
    await source.tree(fixture.repository, first);
    return { source, first };
  }

  const graphqlRequests = () => fixture.requestsTo('POST', /^\/graphql$/);
  const compareRequests = () => fixture.requestsTo('GET', /\/compare\//);

  it('fetches the folders a one-file change touched in one request, and lists what a cold read lists', async () => {
    const { repo } = fixture;
    const { source, first } = await listedOnce();
    expect(treeRequests().map((request) => request.query.recursive)).toEqual(['1']);

    await repo.write({ 'units/fleet/staging/web.yaml': 'kind: Project # changed\n' });
    const second = await repo.commit('one file');
    const before = fixture.github.requests.length;
    const listing = byPath(await source.tree(fixture.repository, second));
    // One comparison names the file; one GraphQL request brings the root, units/, units/fleet/
    // and units/fleet/staging/; the rest is kept from the first listing.
    expect(
      fixture.github.requests.slice(before).map(({ method, path }) => `${method} ${path}`),
    ).toEqual([`GET /repos/acme/platform/compare/${first}...${second}`, 'POST /graphql']);
    const variables = (graphqlRequests()[0]?.body as { variables: Record<string, string> })
      .variables;
    expect(
      Object.values(variables)
        .filter((value) => value.startsWith(second))
        .sort(),
    ).toEqual(
      ['', 'units', 'units/fleet', 'units/fleet/staging'].map((path) => `${second}:${path}`),
    );
    expect(listing).toEqual(await coldListing(second));
    expect(listing.find((entry) => entry.path === 'units/fleet/staging/web.yaml')?.blob).toBe(
      (await repo.git('rev-parse', `${second}:units/fleet/staging/web.yaml`)).trim(),
    );
    // Record's question (does the commit descend from the current one?) is the same comparison.
    expect(await source.isAncestor(fixture.repository, first, second)).toBe(true);
    expect(compareRequests()).toHaveLength(1);
  });

  it('walks the changed folders level by level when GraphQL fails, and lists the same', async () => {
    const { repo } = fixture;
    const { source } = await listedOnce();
    fixture.github.beforeAnswer = (request) =>
      request.path === '/graphql'
        ? Promise.reject(new Error('GraphQL is down'))
        : Promise.resolve();

    await repo.write({ 'units/fleet/staging/web.yaml': 'kind: Project # changed\n' });
    const second = await repo.commit('one file');
    const before = treeRequests().length;
    const listing = byPath(await source.tree(fixture.repository, second));
    expect(graphqlRequests()).toHaveLength(1);
    // The commit's root, then units/, units/fleet/ and units/fleet/staging/: nothing recursive.
    expect(
      treeRequests()
        .slice(before)
        .map((request) => request.query.recursive),
    ).toEqual([undefined, undefined, undefined, undefined]);
    expect(listing).toEqual(await coldListing(second));
  });

  it('never trusts the comparison: a folder it misses is walked to, one it invents is never used', async () => {
    const { repo } = fixture;
    const { source } = await listedOnce();
    await repo.write({
      'units/fleet/staging/web.yaml': 'kind: Project # changed\n',
      'units/sales/qa/api.yaml': 'kind: Project # changed too\n',
    });
    const second = await repo.commit('two files');
    // A comparison that names one real change and one that never happened.
    fixture.github.gitData.comparedFiles = () => [
      { filename: 'units/fleet/staging/web.yaml', status: 'modified' },
      { filename: 'units/people/dev/invented.yaml', status: 'added' },
    ];
    const before = treeRequests().length;
    const listing = byPath(await source.tree(fixture.repository, second));
    // units/sales/ and units/sales/qa/ were not named: the walk fetched them.
    expect(treeRequests().length - before).toBe(2);
    expect(listing).toEqual(await coldListing(second));
    expect(listing.some((entry) => entry.path.includes('invented'))).toBe(false);
  });

  it('lists added, removed and renamed folders exactly', async () => {
    const { repo } = fixture;
    const { source } = await listedOnce();
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
    const { source } = await listedOnce();
    // More folders than one GraphQL request asks for, more than the walk fetches one by one.
    await repo.write(
      Object.fromEntries(
        Array.from({ length: 120 }, (_, index) => [
          `archive/${String(index)}/old.yaml`,
          `kind: Project # ${String(index)}\n`,
        ]),
      ),
    );
    const second = await repo.commit('archive');
    const before = treeRequests().length;
    const listing = byPath(await source.tree(fixture.repository, second));
    const made = treeRequests().slice(before);
    expect(made.at(-1)?.query.recursive).toBe('1');
    expect(made.length).toBeLessThanOrEqual(1 + 24 + 1);
    expect(listing).toEqual(await coldListing(second));
  });
});
