import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRepositorySource } from '../../shared/adapters/local-repository-source.ts';
import { graphChanges } from '../../shared/pipeline/graph-documents.ts';
import { RevisionLoader } from '../../shared/pipeline/revision-loader.ts';
import type { RepositorySource } from '../../shared/ports/repository-source.ts';
import { baseOrganization } from '../support/base-organization.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';

const REPOSITORY = { owner: 'acme', name: 'platform' };
const PROJECT = 'payments/production/shop/project.yaml';

describe('the revision loader', () => {
  let repository: TestRepository;
  let first: string;
  let second: string;

  beforeAll(async () => {
    repository = await createTestRepository();
    await repository.write(Object.fromEntries(baseOrganization));
    first = await repository.commit('Base');
    const project = new TextDecoder().decode(baseOrganization.get(PROJECT));
    await repository.write({
      [PROJECT]: project.replace('displayName: Shop - Production', 'displayName: The web shop'),
    });
    second = await repository.commit('Describe the shop');
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
  });

  /** The local source, counting the trees it lists. */
  function countingSource() {
    const source = new LocalRepositorySource(repository.directory);
    const trees: string[] = [];
    const counted: RepositorySource = {
      tree: (ref, commit) => {
        trees.push(commit);
        return source.tree(ref, commit);
      },
      blob: (ref, blob) => source.blob(ref, blob),
      isAncestor: (ref, a, b) => source.isAncestor(ref, a, b),
    };
    return { source: counted, trees };
  }

  it('reads a revision once, and parses again only the files a commit changed', async () => {
    const { source, trees } = countingSource();
    const loader = new RevisionLoader(source);
    const base = await loader.load(REPOSITORY, first);
    expect(await loader.load(REPOSITORY, first)).toBe(base);
    const head = await loader.load(REPOSITORY, second);
    expect(trees).toEqual([first, second]);

    const nodesOf = (revision: typeof base) => [...revision.analysis.state.nodes.values()];
    const sourceOf = (revision: typeof base, file: string) =>
      nodesOf(revision).find((node) => node.file === file)?.source;
    const unchanged = nodesOf(base).find((node) => node.file !== PROJECT);
    expect(unchanged).toBeDefined();
    const file = unchanged?.file ?? '';
    // The same parse, reused: the file's blob did not change.
    expect(sourceOf(head, file)).toBe(sourceOf(base, file));
    expect(sourceOf(head, PROJECT)).not.toBe(sourceOf(base, PROJECT));
    expect(sourceOf(head, PROJECT)?.text).toContain('The web shop');
  });

  it('compiles only the workspaces a change reaches, given the revision before', async () => {
    const loader = new RevisionLoader(countingSource().source);
    const base = await loader.load(REPOSITORY, first);
    const head = await loader.load(REPOSITORY, second);
    const before = loader.model(base);
    const after = loader.model(head, base);
    const reused = [...after.workspaces.keys()].filter(
      (id) => after.workspaces.get(id) === before.workspaces.get(id),
    );
    expect(reused.length).toBe(after.workspaces.size - 1);
    expect(after.workspaces.get('payments.production.shop')).not.toBe(
      before.workspaces.get('payments.production.shop'),
    );
  });

  it('builds a revision from the one before, with the same graph and changes as from scratch', async () => {
    const warm = new RevisionLoader(countingSource().source);
    const base = await warm.load(REPOSITORY, first);
    const reused = await warm.load(REPOSITORY, second);
    const fresh = await new RevisionLoader(countingSource().source).load(REPOSITORY, second);
    // Reused: the organization's node is the very object of the revision before.
    const organization = base.analysis.state.organization;
    expect(reused.analysis.state.organization).toBe(organization);
    expect(fresh.analysis.state.organization).not.toBe(organization);
    const changes = (head: typeof fresh) => {
      const { resources, edges } = graphChanges(base.analysis.state, head.analysis.state);
      return {
        resources: [[...resources.added], [...resources.changed], resources.removed],
        edges: [[...edges.added], [...edges.changed], edges.removed],
      };
    };
    expect(changes(reused)).toStrictEqual(changes(fresh));
    expect(changes(reused).resources[1]).toHaveLength(1);
  });

  it('forgets a failed read, so that the next load tries again', async () => {
    const { source } = countingSource();
    let fail = true;
    const flaky: RepositorySource = {
      ...source,
      tree: (ref, commit) =>
        fail ? Promise.reject(new Error('GitHub is down')) : source.tree(ref, commit),
    };
    const loader = new RevisionLoader(flaky);
    await expect(loader.load(REPOSITORY, first)).rejects.toThrow('GitHub is down');
    fail = false;
    expect((await loader.load(REPOSITORY, first)).commit).toBe(first);
  });
});
