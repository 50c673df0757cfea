import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAssetFiles } from '../../shared/adapters/file-asset-inventory.ts';
import { ASSET_SEARCH_PAGE_SIZE } from '../../shared/adapters/grpc-asset-inventory.ts';
import { assetDrift } from '../../shared/core/drift/asset-drift.ts';
import { organizationIdentity } from '../../shared/core/drift/grant-severity.ts';
import { provenanceLocator } from '../../shared/core/drift/provenance-locator.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { exampleRenderConfig, type RenderConfig } from '../../shared/core/render/render-config.ts';
import { target, type Benchmark, type BenchmarkOptions } from '../lib/benchmark.ts';
import { formatTable, ms, thousands } from '../lib/table.ts';
import { generateSyntheticOrganization } from '../synthetic-organization.ts';
import { syntheticAssetExport } from '../synthetic/asset-export.ts';

/** The size of the export: the 100,000 bindings. */
export const BINDINGS = 100_000;
/** Unmanaged grants among them, each one observation. */
const UNMANAGED = 100;
/** Reading and comparing the whole export, end to end. */
const MAX_SWEEP_MS = 5000;
/**
 * Requests a minute per consumer project for each search
 * (https://cloud.google.com/asset-inventory/docs/quota); the per-organization quotas,
 * 3,000 and 1,500, are higher.
 */
export const ASSET_SEARCH_QUOTA_PER_MINUTE = 400;

/**
 * The asset source on a synthetic organization: an export of every grant its desired
 * state makes, padded with service agents' grants to 100,000 bindings of which 100 are
 * unmanaged, read from a file and compared with the desired state. Also counts the
 * requests a live sweep of the same inventory would make, 500 results a page.
 */
export const assetsBenchmark: Benchmark = {
  name: 'assets',
  description:
    'asset drift: 100,000 bindings read from an export and compared with the desired state',
  async run(options: BenchmarkOptions) {
    const organization = generateSyntheticOrganization({
      manifests: options.manifests,
      seed: options.seed,
    });
    const encoder = new TextEncoder();
    const analysis = analyzeRepository(
      organization.manifests.map((file) => ({ path: file.path, bytes: encoder.encode(file.text) })),
    );
    const workspaces = [...compileWorkspaces(analysis.state).values()];
    const config = exampleRenderConfig;
    const exported = syntheticAssetExport(workspaces, config, BINDINGS - UNMANAGED);
    const unmanaged = unmanagedGrants(config, UNMANAGED);
    const dir = await mkdtemp(join(tmpdir(), 'infrastream-bench-assets-'));
    try {
      const file = join(dir, 'export.ndjson');
      await writeFile(file, `${[...exported.lines, ...unmanaged].join('\n')}\n`);
      const samples: { readMs: number; analyseMs: number; observations: number }[] = [];
      for (let i = 0; i < options.iterations; i++) {
        const start = performance.now();
        const live = await readAssetFiles([file]);
        const read = performance.now();
        const observations = assetDrift({
          workspaces,
          config,
          live,
          organization: organizationIdentity(analysis.state),
          platformMembers: [],
          locate: provenanceLocator(analysis.state),
        });
        samples.push({
          readMs: read - start,
          analyseMs: performance.now() - read,
          observations: observations.length,
        });
      }
      const median = (key: 'readMs' | 'analyseMs') => {
        const values = samples.map((sample) => sample[key]).sort((a, b) => a - b);
        return values[Math.floor(values.length / 2)] ?? NaN;
      };
      const totalMs = median('readMs') + median('analyseMs');
      const policyRequests = Math.ceil((exported.policies + UNMANAGED) / ASSET_SEARCH_PAGE_SIZE);
      const resourceRequests = Math.ceil(exported.resources / ASSET_SEARCH_PAGE_SIZE);
      const targets = [
        target('read and compare 100,000 bindings (median)', totalMs, MAX_SWEEP_MS, 'ms'),
        target(
          'SearchAllIamPolicies requests of a live sweep',
          policyRequests,
          ASSET_SEARCH_QUOTA_PER_MINUTE,
          '',
        ),
        target(
          'SearchAllResources requests of a live sweep',
          resourceRequests,
          ASSET_SEARCH_QUOTA_PER_MINUTE,
          '',
        ),
        target(
          'observations beyond the unmanaged grants',
          (samples[0]?.observations ?? 0) - UNMANAGED,
          0,
          '',
        ),
      ];
      const text = [
        `${thousands(workspaces.length)} workspaces; export of ${thousands(exported.bindings + UNMANAGED)} bindings in ${thousands(exported.policies + UNMANAGED)} IAM policies, ${thousands(exported.resources)} resources; ${options.iterations} iterations`,
        '',
        formatTable(
          ['step', 'median', 'min'],
          (['readMs', 'analyseMs'] as const).map((key) => [
            { readMs: 'read the export file', analyseMs: 'compare with the desired state' }[key],
            ms(median(key)),
            ms(Math.min(...samples.map((sample) => sample[key]))),
          ]),
        ),
        '',
        `observations: ${samples[0]?.observations ?? 0} (${UNMANAGED} unmanaged grants planted)`,
        `a live sweep, ${ASSET_SEARCH_PAGE_SIZE} a page: ${policyRequests} SearchAllIamPolicies + ${resourceRequests} SearchAllResources requests (quota ${ASSET_SEARCH_QUOTA_PER_MINUTE} a minute each per project; 3,000 and 1,500 per organization)`,
        '',
        ...targets.map(
          (t) =>
            `${t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${t.unit === 'ms' ? ms(t.value) : String(t.value)} (target ≤ ${t.limit}${t.unit === 'ms' ? ' ms' : ''})`,
        ),
      ].join('\n');
      return {
        text,
        json: {
          benchmark: 'assets',
          targets,
          samples,
          bindings: exported.bindings + UNMANAGED,
          policies: exported.policies + UNMANAGED,
          resources: exported.resources,
          requests: { searchAllIamPolicies: policyRequests, searchAllResources: resourceRequests },
        },
      };
    } finally {
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    }
  },
};

/** Export lines of `count` buckets no manifest declares, each granting admin to an outsider. */
export function unmanagedGrants(config: RenderConfig, count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      name: `//storage.googleapis.com/unmanaged-${index}`,
      asset_type: 'storage.googleapis.com/Bucket',
      iam_policy: {
        bindings: [{ role: 'roles/storage.admin', members: [`user:u${index}@gmail.com`] }],
      },
      ancestors: [`organizations/${config.organizationId}`],
    }),
  );
}
