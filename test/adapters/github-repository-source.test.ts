import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubError } from '../../shared/adapters/github-error.ts';
import { createGitHubRepositorySource } from '../../shared/adapters/github-repository-source.ts';
import { createGitHubFixture, type GitHubFixture } from '../support/github-fixture.ts';
import { handMadeTarGz } from '../support/hand-made-tar.ts';

const binary = new Uint8Array(Array.from({ length: 256 }, (_, index) => index));
const files: Record<string, string | Uint8Array> = {
  'organization.yaml': 'apiVersion: lowops.manifests.v1\nkind: Organization\n',
  'units/freight dept/café ☕.yaml': 'kind: Project\nmetadata:\n  name: café\n',
  'units/freight dept/empty.yaml': '',
  'assets/logo.bin': binary,
  // Larger than one 60-column base64 line many times over.
  'docs/long.md': 'line of text\n'.repeat(500),
};

let fixture: GitHubFixture;
beforeEach(async () => {
  fixture = await createGitHubFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

/** Commits `files`, a symbolic link and a submodule entry; returns the commit. */
async function commitSample(): Promise<string> {
  const { repo } = fixture;
  await repo.write(files);
  await symlink('organization.yaml', join(repo.directory, 'link.yaml'));
  const commit = await repo.commit('first');
  // A submodule is a "commit" entry: another repository, not a file of this one.
  await repo.git('update-index', '--add', '--cacheinfo', `160000,${commit},vendor/library`);
  await repo.git('commit', '--quiet', '--message', 'with a submodule');
  return (await repo.git('rev-parse', 'HEAD')).trim();
}

describe('the GitHub repository source, through Octokit against loopback GitHub', () => {
  it('lists every file of the tree with its blob id and size, and reads each blob exactly', async () => {
    const commit = await commitSample();
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });

    const tree = await source.tree(fixture.repository, commit);

    const expected = Object.entries(files).map(([path, content]) => ({
      path,
      size: typeof content === 'string' ? Buffer.byteLength(content) : content.length,
    }));
    expect(tree.map(({ path, size }) => ({ path, size }))).toEqual(
      expect.arrayContaining(expected),
    );
    // Folders, the symbolic link and the submodule are not files of the repository.
    expect(tree).toHaveLength(expected.length);
    for (const entry of tree) {
      const objectId = (await fixture.repo.git('rev-parse', `${commit}:${entry.path}`)).trim();
      expect(entry.blob).toBe(objectId);
      const content = files[entry.path] ?? '';
      expect(Buffer.from(await source.blob(fixture.repository, entry.blob))).toEqual(
        Buffer.from(content),
      );
    }
    expect(fixture.requestsTo('GET', /\/git\/trees\//)[0]?.query).toMatchObject({ recursive: '1' });
  });

  it('refuses a tree GitHub answers truncated', async () => {
    const commit = await commitSample();
    fixture.github.gitData.truncateTrees = true;
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });

    await expect(source.tree(fixture.repository, commit)).rejects.toThrow(
      /truncated tree .*refusing to read part of the repository/,
    );
  });

  it('refuses blob content that does not hash to the blob id', async () => {
    const commit = await commitSample();
    const blob = (await fixture.repo.git('rev-parse', `${commit}:organization.yaml`)).trim();
    fixture.github.gitData.tamperedBlobs.set(blob, new TextEncoder().encode('kind: Evil\n'));
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });

    const reading = source.blob(fixture.repository, blob);
    await expect(reading).rejects.toBeInstanceOf(GitHubError);
    await expect(reading).rejects.toThrow(
      `blob ${blob} of acme/platform: the content returned hashes to`,
    );
  });

  it('reads a blob from GitHub once, and after a push only the blobs that changed', async () => {
    const first = await commitSample();
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });
    const blobRequests = () => fixture.requestsTo('GET', /\/git\/blobs\//).length;
    const readAll = async (commit: string) => {
      const tree = await source.tree(fixture.repository, commit);
      return Promise.all(tree.map((entry) => source.blob(fixture.repository, entry.blob)));
    };

    const blob = (await fixture.repo.git('rev-parse', `${first}:organization.yaml`)).trim();
    const once = await source.blob(fixture.repository, blob);
    once.fill(0);
    const twice = await source.blob(fixture.repository, blob);
    expect(blobRequests()).toBe(1);
    // A caller changing its copy does not change what the cache holds.
    expect(new TextDecoder().decode(twice)).toBe(files['organization.yaml']);

    await readAll(first);
    const afterFirstPush = blobRequests();
    expect(afterFirstPush).toBe(Object.keys(files).length);

    await fixture.repo.write({ 'units/freight dept/café ☕.yaml': 'kind: Project\n# changed\n' });
    const second = await fixture.repo.commit('change one manifest');
    await readAll(second);
    expect(blobRequests()).toBe(afterFirstPush + 1);
  });

  it('keeps no more blob bytes than its cache allows', async () => {
    const commit = await commitSample();
    const source = createGitHubRepositorySource({ octokit: fixture.octokit, cacheBytes: 100 });
    const blob = (await fixture.repo.git('rev-parse', `${commit}:docs/long.md`)).trim();

    await source.blob(fixture.repository, blob);
    await source.blob(fixture.repository, blob);

    expect(fixture.requestsTo('GET', /\/git\/blobs\//)).toHaveLength(2);
  });

  it('tells ancestors by compare status: ahead, identical, behind and diverged', async () => {
    const { repo } = fixture;
    await repo.write({ 'a.yaml': 'a: 1\n' });
    const base = await repo.commit('base');
    await repo.write({ 'a.yaml': 'a: 2\n' });
    const ahead = await repo.commit('ahead');
    await repo.git('checkout', '--quiet', '-b', 'side', base);
    await repo.write({ 'b.yaml': 'b: 1\n' });
    const diverged = await repo.commit('side');
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });
    const isAncestor = (ancestor: string, descendant: string) =>
      source.isAncestor(fixture.repository, ancestor, descendant);

    expect(await isAncestor(base, ahead)).toBe(true);
    expect(await isAncestor(ahead, ahead)).toBe(true);
    expect(await isAncestor(ahead, base)).toBe(false);
    expect(await isAncestor(ahead, diverged)).toBe(false);
    expect(fixture.requestsTo('GET', /\/compare\//).map((request) => request.path)).toContain(
      `/repos/acme/platform/compare/${base}...${ahead}`,
    );
  });

  it('says which comparison GitHub could not find', async () => {
    await fixture.repo.write({ 'a.yaml': 'a: 1\n' });
    const commit = await fixture.repo.commit('only');
    const missing = 'f'.repeat(40);
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });

    await expect(source.isAncestor(fixture.repository, missing, commit)).rejects.toThrow(
      `comparing ${missing} with ${commit} in acme/platform: not found (404`,
    );
  });

  it('refuses an id that is not a full object id before asking GitHub', async () => {
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });

    await expect(source.tree(fixture.repository, 'main')).rejects.toThrow(
      'expected the commit as a full 40-hex git object id, found "main"',
    );
    expect(fixture.github.requests).toHaveLength(0);
  });
});

/** `count` small manifests in folders of ten. */
function manifests(count: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, index) => [
      `units/unit ${String(Math.floor(index / 10))}/app-${String(index)}.yaml`,
      `kind: Application\nmetadata:\n  name: app-${String(index)}\n`,
    ]),
  );
}

describe('the GitHub repository source, reading a cold tree from the repository archive', () => {
  const archiveRequests = () => fixture.requestsTo('GET', /\/tarball\//);
  const downloads = () => fixture.requestsTo('GET', /^\/codeload\//);
  const blobRequests = () => fixture.requestsTo('GET', /\/git\/blobs\//);
  const blobOf = async (commit: string, path: string) =>
    (await fixture.repo.git('rev-parse', `${commit}:${path}`)).trim();

  it('reads a cold tree of 200 files in one archive request, then serves every blob from memory', async () => {
    const files = manifests(200);
    await fixture.repo.write(files);
    const commit = await fixture.repo.commit('organization');
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });

    const tree = await source.tree(fixture.repository, commit);
    expect(tree).toHaveLength(200);
    expect(archiveRequests().map((request) => request.path)).toEqual([
      `/repos/acme/platform/tarball/${commit}`,
    ]);
    // The API answered with a redirect to the archive host, which Octokit followed.
    expect(downloads()).toHaveLength(1);
    expect(downloads()[0]?.query.token).toMatch(/^[0-9a-f]{32}$/);

    for (const entry of tree) {
      const bytes = await source.blob(fixture.repository, entry.blob);
      expect(new TextDecoder().decode(bytes)).toBe(files[entry.path]);
    }
    expect(blobRequests()).toHaveLength(0);
  });

  it('reads a push that changes one file blob by blob, without the archive', async () => {
    await fixture.repo.write(manifests(200));
    const first = await fixture.repo.commit('organization');
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });
    const readAll = async (commit: string) => {
      const tree = await source.tree(fixture.repository, commit);
      return Promise.all(tree.map((entry) => source.blob(fixture.repository, entry.blob)));
    };
    await readAll(first);
    expect(archiveRequests()).toHaveLength(1);

    const changed = 'units/unit 4/app-42.yaml';
    await fixture.repo.write({ [changed]: 'kind: Application\n# changed\n' });
    const second = await fixture.repo.commit('change one manifest');
    await readAll(second);

    expect(archiveRequests()).toHaveLength(1);
    expect(blobRequests().map((request) => request.path)).toEqual([
      `/repos/acme/platform/git/blobs/${await blobOf(second, changed)}`,
    ]);
  });

  it('does not trust an archive file whose content differs from its blob id: reads that blob and verifies it', async () => {
    const files = manifests(100);
    await fixture.repo.write(files);
    const commit = await fixture.repo.commit('organization');
    const tampered = 'units/unit 0/app-7.yaml';
    // Of the same size, so only its hash tells it apart.
    const evil = (files[tampered] ?? '').replace('app-7', 'evil7');
    expect(evil).toHaveLength(files[tampered]?.length ?? 0);
    fixture.github.archives.tamperedFiles.set(tampered, evil);
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });

    const tree = await source.tree(fixture.repository, commit);
    const contents = await Promise.all(
      tree.map(async (entry) => [
        entry.path,
        new TextDecoder().decode(await source.blob(fixture.repository, entry.blob)),
      ]),
    );

    expect(Object.fromEntries(contents)).toEqual(files);
    expect(archiveRequests()).toHaveLength(1);
    expect(blobRequests().map((request) => request.path)).toEqual([
      `/repos/acme/platform/git/blobs/${await blobOf(commit, tampered)}`,
    ]);
  });

  it('ignores archive entries that leave the top folder, links and devices', async () => {
    const files = {
      'a.yaml': 'a: 1\n',
      'b.yaml': 'b: 1\n',
      'c.yaml': 'c: 1\n',
      'd.yaml': 'd: 1\n',
    };
    await fixture.repo.write(files);
    const commit = await fixture.repo.commit('four files');
    const top = `acme-platform-${commit.slice(0, 7)}`;
    fixture.github.archives.replacement = handMadeTarGz([
      { header: { path: `${top}/`, type: 'Directory', mode: 0o755 } },
      { header: { path: `${top}/a.yaml`, type: 'File' }, content: files['a.yaml'] },
      // Each holds or points at the right content, but only by resolving a path.
      { header: { path: `${top}/units/../b.yaml`, type: 'File' }, content: files['b.yaml'] },
      { header: { path: `../${top}/b.yaml`, type: 'File' }, content: files['b.yaml'] },
      { header: { path: `${top}/c.yaml`, type: 'SymbolicLink', linkpath: '../outside/c.yaml' } },
      { header: { path: `${top}/c.yaml`, type: 'Link', linkpath: `${top}/a.yaml` } },
      { header: { path: `${top}/d.yaml`, type: 'CharacterDevice', devmaj: 1, devmin: 3 } },
    ]);
    const source = createGitHubRepositorySource({ octokit: fixture.octokit, archiveThreshold: 0 });

    const tree = await source.tree(fixture.repository, commit);
    for (const entry of tree) {
      const bytes = await source.blob(fixture.repository, entry.blob);
      expect(new TextDecoder().decode(bytes)).toBe(files[entry.path as keyof typeof files]);
    }

    expect(archiveRequests()).toHaveLength(1);
    const fetched = blobRequests().map((request) => request.path.split('/').at(-1));
    expect(fetched.sort()).toEqual(
      (
        await Promise.all(['b.yaml', 'c.yaml', 'd.yaml'].map((path) => blobOf(commit, path)))
      ).sort(),
    );
  });

  it('round-trips paths with spaces, unicode and past 100 characters, empty and binary files', async () => {
    const files: Record<string, string | Uint8Array> = {
      ...manifests(70),
      'units/freight dept/café ☕.yaml': 'kind: Project\nmetadata:\n  name: café\n',
      'units/freight dept/empty.yaml': '',
      'units/日本語/プロジェクト.yaml': 'kind: Project\n',
      [`units/${'deep folder/'.repeat(12)}manifest.yaml`]: 'kind: Topic\n',
      'assets/logo.bin': binary,
    };
    await fixture.repo.write(files);
    const commit = await fixture.repo.commit('names of every kind');
    const source = createGitHubRepositorySource({ octokit: fixture.octokit });

    const tree = await source.tree(fixture.repository, commit);
    expect(tree.map((entry) => entry.path).sort()).toEqual(Object.keys(files).sort());
    for (const entry of tree) {
      const bytes = await source.blob(fixture.repository, entry.blob);
      expect(Buffer.from(bytes)).toEqual(Buffer.from(files[entry.path] ?? 'missing'));
    }
    expect(archiveRequests()).toHaveLength(1);
    expect(blobRequests()).toHaveLength(0);
  });

  it('says why an archive could not be read, and reads the blobs one by one instead', async () => {
    const files = manifests(80);
    await fixture.repo.write(files);
    const commit = await fixture.repo.commit('organization');
    fixture.github.archives.replacement = new TextEncoder().encode('not an archive');
    const failures: string[] = [];
    const source = createGitHubRepositorySource({
      octokit: fixture.octokit,
      onArchiveFailure: (error) => failures.push(error.message),
    });

    const tree = await source.tree(fixture.repository, commit);
    for (const entry of tree) {
      const bytes = await source.blob(fixture.repository, entry.blob);
      expect(new TextDecoder().decode(bytes)).toBe(files[entry.path]);
    }

    expect(failures).toEqual([
      expect.stringMatching(
        `^reading the archive of acme/platform at ${commit}: the archive is not a readable tar.gz`,
      ),
    ]);
    expect(blobRequests()).toHaveLength(80);
  });
});
