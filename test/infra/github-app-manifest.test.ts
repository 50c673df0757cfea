// infra/github-app-manifest.json is what an organization registers the App from (GitHub's
// manifest flow): it must grant exactly what the code calls GitHub for, and subscribe to
// exactly the events ingest acts on, no more (least privilege) and no less (a call refused).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface AppManifest {
  readonly default_permissions: Readonly<Record<string, 'read' | 'write'>>;
  readonly default_events: readonly string[];
  readonly public: boolean;
  readonly hook_attributes: { readonly url: string; readonly active: boolean };
}

const manifest = JSON.parse(
  await readFile(join(root, 'infra', 'github-app-manifest.json'), 'utf8'),
) as AppManifest;

/**
 * The permission each REST method the code calls needs, from GitHub's "permissions required
 * for GitHub Apps". A call not listed here fails the test: list it with its permission.
 */
const restPermissions: Readonly<Record<string, readonly [string, 'read' | 'write']>> = {
  'checks.create': ['checks', 'write'],
  'checks.update': ['checks', 'write'],
  'checks.listForRef': ['checks', 'read'],
  'pulls.get': ['pull_requests', 'read'],
  'pulls.listReviews': ['pull_requests', 'read'],
  'pulls.list': ['pull_requests', 'read'],
  'git.createCommit': ['contents', 'write'],
  'git.createTree': ['contents', 'write'],
  'git.updateRef': ['contents', 'write'],
  'git.getBlob': ['contents', 'read'],
  'git.getCommit': ['contents', 'read'],
  'git.getRef': ['contents', 'read'],
  'git.getTree': ['contents', 'read'],
  'repos.compareCommitsWithBasehead': ['contents', 'read'],
  'repos.downloadTarballArchive': ['contents', 'read'],
  'repos.get': ['metadata', 'read'],
  'repos.getBranchRules': ['metadata', 'read'],
  'repos.getBranchProtection': ['administration', 'read'],
  'issues.listForRepo': ['issues', 'read'],
  'issues.create': ['issues', 'write'],
  'issues.update': ['issues', 'write'],
  'issues.createComment': ['issues', 'write'],
  'codeScanning.uploadSarif': ['security_events', 'write'],
};

/**
 * Every TypeScript file the deployed functions are made of: what `functions/index.ts` imports,
 * followed through relative imports. Code no function reaches (such as the drift sweep's
 * GitHub reporting, which the CLI runs with its own token) asks nothing of the App.
 */
async function sources(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const pending = [join(root, 'functions', 'index.ts')];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    const text = await readFile(file, 'utf8');
    files.set(file, text);
    const imports =
      /^(?:import|export)(?:[^;']*?from)?\s*'(\.{1,2}\/[^']+\.ts)'|import\(\s*'(\.{1,2}\/[^']+\.ts)'\)/gm;
    for (const match of text.matchAll(imports))
      pending.push(join(dirname(file), match[1] ?? match[2] ?? ''));
  }
  // The traversal reaches the GitHub adapters, or it found nothing to check.
  expect([...files.keys()].some((file) => file.endsWith('github-commit-reporter.ts'))).toBe(true);
  return files;
}

describe('the GitHub App manifest', () => {
  it('INFRASTREAM_APP_PERMISSIONS: grants exactly the permissions of the GitHub calls in the code', async () => {
    const calls = new Set<string>();
    let graphql = false;
    for (const text of (await sources()).values()) {
      for (const match of text.matchAll(/octokit\.rest\.(\w+\.\w+)[(,]/g))
        calls.add(match[1] ?? '');
      if (/octokit\.graphql\b/.test(text)) graphql = true;
      // Only the typed REST methods and the one GraphQL query: a raw request would escape the list.
      expect(text).not.toMatch(/octokit\.(request\(|paginate\((?!octokit\.rest\.))/);
    }
    expect([...calls].filter((call) => restPermissions[call] === undefined)).toEqual([]);
    const needed: Record<string, 'read' | 'write'> = { metadata: 'read' };
    const grant = (permission: string, level: 'read' | 'write') => {
      if (needed[permission] !== 'write') needed[permission] = level;
    };
    for (const call of calls) grant(...(restPermissions[call] ?? ['', 'read']));
    // The tree listing's GraphQL query reads git objects: contents, read.
    if (graphql) grant('contents', 'read');
    expect(manifest.default_permissions).toEqual(needed);
  });

  it('INFRASTREAM_APP_EVENTS: subscribes to exactly the events ingest acts on', async () => {
    const acted: (string | undefined)[] = [];
    for (const file of ['delivery-verifier.ts', 'pull-request-payload.ts']) {
      const text = await readFile(join(root, 'functions', file), 'utf8');
      acted.push(...[...text.matchAll(/'(\w+)' satisfies WebhookEventName/g)].map((m) => m[1]));
    }
    // GitHub sends ping to every hook; it is not an event an App subscribes to.
    expect([...manifest.default_events].sort()).toEqual(
      acted.filter((event) => event !== 'ping').sort(),
    );
  });

  it('INFRASTREAM_APP_PRIVATE: is private, and its webhook waits for infra/ to give it a URL', () => {
    expect(manifest.public).toBe(false);
    expect(manifest.hook_attributes.active).toBe(false);
  });
});
