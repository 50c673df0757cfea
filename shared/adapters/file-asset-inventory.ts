import { readFile } from 'node:fs/promises';
import type { LiveAssets } from '../core/drift/asset-records.ts';
import { parseAssetFile, type AssetFileError } from '../core/drift/parse-asset-file.ts';
import type { AssetInventory } from '../ports/asset-inventory.ts';

/** A file of assets that is not gcloud's output: where, and what was expected and found. */
export class AssetFileReadError extends Error {
  override readonly name = 'AssetFileReadError';
  readonly location: AssetFileError;

  constructor(location: AssetFileError) {
    super(`${location.file}:${location.line}:${location.column}: ${location.message}`);
    this.location = location;
  }
}

/**
 * The inventory as files of gcloud's output give it (`--assets FILE`): each file is read
 * once, on first use, and every file's records are searched together. The files hold what
 * was exported, whatever its scope: `scope` is not checked against them (see
 * `assetFileReach` for how far they reach).
 */
export function fileAssetInventory(paths: readonly string[]): AssetInventory {
  let read: Promise<LiveAssets> | undefined;
  return recordedAssetInventory(() => (read ??= readAssetFiles(paths)));
}

/** An inventory that searches records already read, by asset type. */
export function recordedAssetInventory(assets: () => Promise<LiveAssets>): AssetInventory {
  return {
    async searchIamPolicies(_scope, assetTypes) {
      const types = new Set(assetTypes);
      return (await assets()).policies.filter((policy) => types.has(policy.assetType));
    },
    async searchResources(_scope, assetTypes) {
      const types = new Set(assetTypes);
      return (await assets()).resources.filter((resource) => types.has(resource.assetType));
    },
  };
}

/** Every file's records, in the order given; the first unreadable file throws. */
export async function readAssetFiles(paths: readonly string[]): Promise<LiveAssets> {
  const files = await readEachAssetFile(paths);
  return {
    policies: files.flatMap((file) => file.assets.policies),
    resources: files.flatMap((file) => file.assets.resources),
  };
}

/** Each file's records apart, in the order given; the first unreadable file throws. */
export async function readEachAssetFile(
  paths: readonly string[],
): Promise<{ readonly path: string; readonly assets: LiveAssets }[]> {
  const files: { path: string; assets: LiveAssets }[] = [];
  for (const path of paths) {
    const result = parseAssetFile(path, await readFile(path, 'utf8'));
    if (!result.ok) throw new AssetFileReadError(result.error);
    files.push({ path, assets: result.assets });
  }
  return files;
}
