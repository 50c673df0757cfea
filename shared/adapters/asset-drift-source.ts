import { AssetServiceClient } from '@google-cloud/asset';
import type { DesiredState } from '../core/governance/desired-state.ts';
import type { WorkspaceModel } from '../core/governance/governance-model.ts';
import { assetDrift } from '../core/drift/asset-drift.ts';
import {
  IAM_POLICY_ASSET_TYPES,
  RESOURCE_ASSET_TYPES,
  type LiveAssets,
} from '../core/drift/asset-records.ts';
import type { DriftObservation } from '../core/drift/drift-finding.ts';
import { organizationIdentity } from '../core/drift/grant-severity.ts';
import { provenanceLocator } from '../core/drift/provenance-locator.ts';
import { renderConfigPlaceholders, type RenderConfig } from '../core/render/render-config.ts';
import { hasErrors } from '../core/issues/issue.ts';
import type { GovernedRepository } from '../core/pipeline/governed-repository.ts';
import type { RevisionLoader } from '../pipeline/revision-loader.ts';
import { repositoryPaths, type RepositoryDocument } from '../pipeline/state-documents.ts';
import type { AssetInventory } from '../ports/asset-inventory.ts';
import type { DocumentStore } from '../ports/document-store.ts';
import type { DriftReader, DriftReading } from '../ports/drift-reader.ts';
import { assetFileReach, type AssetReach } from '../core/drift/asset-file-reach.ts';
import { readEachAssetFile, recordedAssetInventory } from './file-asset-inventory.ts';
import { grpcAssetInventory } from './grpc-asset-inventory.ts';

/** Where the asset source reads, and what it leaves out. */
export interface AssetDriftSettings {
  /** Files of gcloud's output (`--assets FILE`); when given, the API is not called. */
  readonly assetFiles?: readonly string[];
  /** The organization searched live, numeric; the render configuration's when absent. */
  readonly organizationId?: string;
  /** The pipeline's own identities as IAM members, its build service account first. */
  readonly platformMembers: readonly string[];
  /** Ids of the projects `infra/` makes for the pipeline itself, which no manifest governs. */
  readonly platformProjects?: readonly string[];
  /** The inventory to read instead of the API's (a client pointed elsewhere, under test). */
  readonly inventory?: AssetInventory;
}

/** What the desired state the live assets are compared with is. */
export interface AssetDriftDesired {
  readonly state: DesiredState;
  readonly workspaces: Iterable<WorkspaceModel>;
  readonly config: RenderConfig;
}

/** How the asset source fared, and what it saw. */
export interface AssetDriftResult {
  readonly status: 'ok' | 'unavailable' | 'failed';
  /** One line: what was read, or why nothing was. */
  readonly detail: string;
  readonly observations: DriftObservation[];
  /**
   * How far each source's reading went, when it differs from `status`: files of gcloud's
   * output may hold one kind of record only, or a scope narrower than the organization.
   */
  readonly bySource?: Readonly<Record<'iam' | 'resources', DriftReading>>;
}

/**
 * The `iam` and `resources` drift of an organization: its IAM policies and
 * security-relevant resources, read from Cloud Asset Inventory (or from files of its
 * output), compared with the desired state. Unavailable when there is nowhere to read
 * from (no files, and no organization but the example configuration's placeholder);
 * failed, with the reason, when reading did not succeed. Never throws.
 */
export async function readAssetDrift(
  settings: AssetDriftSettings,
  desired: AssetDriftDesired,
): Promise<AssetDriftResult> {
  const files = settings.assetFiles ?? [];
  const live = files.length === 0 && settings.inventory === undefined;
  const organizationId = settings.organizationId ?? desired.config.organizationId;
  if (
    live &&
    settings.organizationId === undefined &&
    renderConfigPlaceholders(desired.config).includes('organizationId')
  )
    return {
      status: 'unavailable',
      detail:
        "no asset files, and the configuration's organization id is the example's placeholder",
      observations: [],
    };
  const scope = `organizations/${organizationId}`;
  let client: AssetServiceClient | undefined;
  try {
    const read = files.length > 0 ? await readEachAssetFile(files) : undefined;
    const inventory =
      settings.inventory ??
      (read === undefined
        ? grpcAssetInventory((client = new AssetServiceClient()))
        : recordedAssetInventory(() =>
            Promise.resolve({
              policies: read.flatMap((file) => file.assets.policies),
              resources: read.flatMap((file) => file.assets.resources),
            }),
          ));
    const [policies, resources] = await Promise.all([
      inventory.searchIamPolicies(scope, IAM_POLICY_ASSET_TYPES),
      inventory.searchResources(scope, RESOURCE_ASSET_TYPES),
    ]);
    const observations = assetDrift({
      workspaces: desired.workspaces,
      config: desired.config,
      live: { policies, resources },
      organization: organizationIdentity(desired.state),
      platformMembers: settings.platformMembers,
      ...(settings.platformProjects === undefined
        ? {}
        : { platformProjects: settings.platformProjects }),
      locate: provenanceLocator(desired.state),
    });
    const from = files.length > 0 ? files.join(', ') : scope;
    return {
      status: 'ok',
      detail: `${policies.length} IAM policies and ${resources.length} resources from ${from}`,
      observations,
      ...(read === undefined || settings.inventory !== undefined
        ? {}
        : { bySource: fileReadings(read, { policies, resources }, observations) }),
    };
  } catch (error) {
    return {
      status: 'failed',
      detail: error instanceof Error ? error.message : String(error),
      observations: [],
    };
  } finally {
    await client?.close();
  }
}

/**
 * The `iam` and `resources` drift readers, which share one reading of the inventory: the
 * live assets compared with the desired state of the revision the pipeline recorded as
 * current (the default branch's head when none is), since that is what the builds apply.
 */
export function createAssetDriftReaders(options: {
  readonly settings: AssetDriftSettings;
  readonly store: DocumentStore;
  readonly repository: GovernedRepository;
  readonly revisions: RevisionLoader;
  readonly render: RenderConfig;
  readonly head: string;
}): readonly DriftReader[] {
  let reading: Promise<AssetDriftResult> | undefined;
  const read = async (): Promise<AssetDriftResult> => {
    const recorded = (await options.store.get(repositoryPaths(options.repository).repository)) as
      RepositoryDocument | undefined;
    const current = recorded?.current;
    const revision = await options.revisions.load(
      options.repository,
      current?.commit ?? options.head,
    );
    if (hasErrors(revision.analysis.issues))
      return {
        status: 'failed',
        detail: `${revision.commit.slice(0, 12)} has errors: no desired state to compare with`,
        observations: [],
      };
    return readAssetDrift(options.settings, {
      state: revision.analysis.state,
      workspaces: options.revisions.model(revision).workspaces.values(),
      config: options.render,
    });
  };
  const reader = (name: 'iam' | 'resources'): DriftReader => ({
    name,
    async read() {
      reading ??= read();
      const result = await reading;
      return (
        result.bySource?.[name] ?? {
          status: result.status,
          detail: result.detail,
          observations: result.observations.filter((observation) => observation.source === name),
        }
      );
    },
  });
  return [reader('iam'), reader('resources')];
}

/**
 * Each source's reading of files of gcloud's output: `unavailable` when no file holds its
 * kind of record (gcloud prints `[]` when nothing matches, so an empty file says nothing),
 * `partial` without `unreadWorkspaces` when they hold it for less than the organization,
 * since which workspaces they leave out cannot be told: its findings appear, none resolve.
 */
function fileReadings(
  files: readonly { readonly path: string; readonly assets: LiveAssets }[],
  searched: LiveAssets,
  observations: readonly DriftObservation[],
): Record<'iam' | 'resources', DriftReading> {
  const reach = assetFileReach({
    policies: files.flatMap((file) => file.assets.policies),
    resources: files.flatMap((file) => file.assets.resources),
  });
  const empty = files
    .filter((file) => file.assets.policies.length + file.assets.resources.length === 0)
    .map((file) => file.path);
  const emptyNote =
    empty.length === 0
      ? ''
      : `; ${empty.join(', ')} ${empty.length === 1 ? 'holds' : 'hold'} no records, read as holding nothing`;
  const reading = (
    name: 'iam' | 'resources',
    kind: 'policies' | 'resources',
    what: string,
    count: number,
    wider: string,
  ): DriftReading => {
    const holding = files.filter((file) => file.assets[kind].length > 0).map((file) => file.path);
    const own = observations.filter((observation) => observation.source === name);
    const from = `${count} ${what} from ${holding.join(', ')}`;
    const reached: AssetReach = reach[kind];
    if (reached === 'none')
      return {
        status: 'unavailable',
        detail: `no file given holds ${what}${emptyNote}`,
        observations: [],
      };
    if (reached === 'narrower')
      return {
        status: 'partial',
        detail: `${from}, narrower than the organization (${wider}): none of its findings resolve${emptyNote}`,
        observations: own,
      };
    return { status: 'ok', detail: `${from}${emptyNote}`, observations: own };
  };
  return {
    iam: reading(
      'iam',
      'policies',
      'IAM policies',
      searched.policies.length,
      "no organization's own policy",
    ),
    resources: reading(
      'resources',
      'resources',
      'resources',
      searched.resources.length,
      'no folder or project directly under the organization',
    ),
  };
}
