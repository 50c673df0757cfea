import { AssetServiceClient } from '@google-cloud/asset';
import type { DesiredState } from '../core/governance/desired-state.ts';
import type { WorkspaceModel } from '../core/governance/governance-model.ts';
import { assetDrift } from '../core/drift/asset-drift.ts';
import { IAM_POLICY_ASSET_TYPES, RESOURCE_ASSET_TYPES } from '../core/drift/asset-records.ts';
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
import type { DriftReader } from '../ports/drift-reader.ts';
import { fileAssetInventory } from './file-asset-inventory.ts';
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
    const inventory =
      settings.inventory ??
      (files.length > 0
        ? fileAssetInventory(files)
        : grpcAssetInventory((client = new AssetServiceClient())));
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
      return {
        status: result.status,
        detail: result.detail,
        observations: result.observations.filter((observation) => observation.source === name),
      };
    },
  });
  return [reader('iam'), reader('resources')];
}
