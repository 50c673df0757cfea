import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticAssetExport } from '../../bench/synthetic/asset-export.ts';
import {
  readAssetDrift,
  type AssetDriftDesired,
} from '../../shared/adapters/asset-drift-source.ts';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { grpcAssetInventory } from '../../shared/adapters/grpc-asset-inventory.ts';
import { parseAssetFile } from '../../shared/core/drift/parse-asset-file.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import { examplesDirectory } from '../support/corpus.ts';
import {
  asSearchResults,
  startLoopbackAssetService,
  type LoopbackAssetService,
} from '../support/loopback-asset-service.ts';

const BUILD_IDENTITY = 'serviceAccount:infrastream-build@platform-ops.iam.gserviceaccount.com';
/** An organization that is not the example configuration's placeholder. */
const config = { ...exampleRenderConfig, organizationId: '123456789012' };

let desired: AssetDriftDesired;
let exported: string[];
let dir: string;

beforeAll(async () => {
  const { state } = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
  const workspaces = [...compileWorkspaces(state).values()];
  desired = { state, workspaces, config };
  exported = syntheticAssetExport(workspaces, config).lines;
  dir = await mkdtemp(join(tmpdir(), 'infrastream-asset-drift-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One grant of Editor to an outsider on the organization, as an export line. */
const OUTSIDER = JSON.stringify({
  name: '//cloudresourcemanager.googleapis.com/organizations/123456789012',
  asset_type: 'cloudresourcemanager.googleapis.com/Organization',
  iam_policy: { bindings: [{ role: 'roles/editor', members: ['user:eve@gmail.com'] }] },
  ancestors: ['organizations/123456789012'],
});

describe('the asset drift source, from files', () => {
  it('sees nothing in an export of exactly the desired state, and one grant added', async () => {
    const path = join(dir, 'export.ndjson');
    await writeFile(path, `${exported.join('\n')}\n`);
    const quiet = await readAssetDrift(
      { assetFiles: [path], platformMembers: [BUILD_IDENTITY] },
      desired,
    );
    expect(quiet.status).toBe('ok');
    expect(quiet.detail).toMatch(/^\d+ IAM policies and \d+ resources from .*export\.ndjson$/);
    expect(quiet.observations).toEqual([]);
    expect(quiet.bySource?.iam.status).toBe('ok');
    expect(quiet.bySource?.resources.status).toBe('ok');

    const added = join(dir, 'added.ndjson');
    await writeFile(added, `${OUTSIDER}\n`);
    const one = await readAssetDrift(
      { assetFiles: [path, added], platformMembers: [BUILD_IDENTITY] },
      desired,
    );
    expect(one.observations).toMatchObject([
      {
        source: 'iam',
        workspace: 'organization',
        asset: '//cloudresourcemanager.googleapis.com/organizations/123456789012',
        attribute: 'roles/editor user:eve@gmail.com',
        severity: 'critical',
      },
    ]);
  });

  it('reads a source as unavailable when no file holds its kind, and an empty file as nothing', async () => {
    const iamOnly = join(dir, 'iam-only.ndjson');
    await writeFile(
      iamOnly,
      `${exported.filter((line) => line.includes('"iam_policy"')).join('\n')}\n`,
    );
    const empty = join(dir, 'empty.json');
    await writeFile(empty, '[]');
    const result = await readAssetDrift(
      { assetFiles: [iamOnly, empty], platformMembers: [BUILD_IDENTITY] },
      desired,
    );
    expect(result.bySource?.iam).toMatchObject({ status: 'ok' });
    expect(result.bySource?.resources).toEqual({
      status: 'unavailable',
      detail: `no file given holds resources; ${empty} holds no records, read as holding nothing`,
      observations: [],
    });
    const nothing = await readAssetDrift({ assetFiles: [empty], platformMembers: [] }, desired);
    expect(nothing.bySource?.iam.status).toBe('unavailable');
    expect(nothing.bySource?.resources.status).toBe('unavailable');
  });

  it('reads an export narrower than the organization as partial, resolving nothing', async () => {
    const projectLines = exported.filter(
      (line) =>
        !line.includes('/organizations/') &&
        !line.includes('/folders/') &&
        !line.includes('"parent":"//cloudresourcemanager.googleapis.com/organizations/'),
    );
    const path = join(dir, 'projects.ndjson');
    await writeFile(path, `${projectLines.join('\n')}\n`);
    const result = await readAssetDrift(
      { assetFiles: [path], platformMembers: [BUILD_IDENTITY] },
      desired,
    );
    expect(result.bySource?.iam.status).toBe('partial');
    expect(result.bySource?.iam.detail).toMatch(
      /narrower than the organization \(no organization's own policy\): none of its findings resolve$/,
    );
    expect(result.bySource?.iam.unreadWorkspaces).toBeUndefined();
  });

  it('fails with the file, line and column of what it could not read', async () => {
    const path = join(dir, 'broken.ndjson');
    await writeFile(path, `${OUTSIDER}\n{"name": 1, "asset_type": "x", "iam_policy": {}}\n`);
    const result = await readAssetDrift({ assetFiles: [path], platformMembers: [] }, desired);
    expect(result).toEqual({
      status: 'failed',
      detail: `${path}:2:1: iam-policy export line at name: expected string, found 1`,
      observations: [],
    });
  });

  it('is unavailable with no files and only the example configuration', async () => {
    const result = await readAssetDrift(
      { platformMembers: [] },
      { ...desired, config: exampleRenderConfig },
    );
    expect(result).toEqual({
      status: 'unavailable',
      detail:
        "no asset files, and the configuration's organization id is the example's placeholder",
      observations: [],
    });
  });
});

describe('the asset drift source, live', () => {
  let server: LoopbackAssetService;
  beforeAll(async () => {
    const parsed = parseAssetFile('export.ndjson', [...exported, OUTSIDER].join('\n'));
    if (!parsed.ok) throw new Error(parsed.error.message);
    server = await startLoopbackAssetService(asSearchResults(parsed.assets), 10);
  });
  afterAll(async () => {
    await server.close();
  });

  it('searches the organization page by page and sees the one grant added', async () => {
    const result = await readAssetDrift(
      { platformMembers: [BUILD_IDENTITY], inventory: grpcAssetInventory(server.client()) },
      desired,
    );
    expect(result.status).toBe('ok');
    expect(result.detail).toMatch(/ from organizations\/123456789012$/);
    expect(result.observations.map((o) => [o.asset, o.attribute])).toEqual([
      [
        '//cloudresourcemanager.googleapis.com/organizations/123456789012',
        'roles/editor user:eve@gmail.com',
      ],
    ]);
    const scopes = new Set(server.requests.map((request) => request.scope));
    expect(scopes).toEqual(new Set(['organizations/123456789012']));
    // More than one page of each, at the server's cap of 10.
    const pages = (method: string) => server.requests.filter((r) => r.method === method).length;
    expect(pages('SearchAllIamPolicies')).toBeGreaterThan(1);
    expect(pages('SearchAllResources')).toBeGreaterThan(1);
  });

  it('fails with what the API said', async () => {
    server.failNext(
      status.PERMISSION_DENIED,
      'the caller lacks cloudasset.assets.searchAllIamPolicies',
    );
    const result = await readAssetDrift(
      { platformMembers: [], inventory: grpcAssetInventory(server.client()) },
      desired,
    );
    expect(result.status).toBe('failed');
    expect(result.detail).toMatch(
      /PERMISSION_DENIED.*lacks cloudasset\.assets\.searchAllIamPolicies/,
    );
    expect(result.observations).toEqual([]);
  });
});
