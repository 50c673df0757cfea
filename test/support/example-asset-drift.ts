import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticAssetExport } from '../../bench/synthetic/asset-export.ts';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { assetDrift } from '../../shared/core/drift/asset-drift.ts';
import type {
  LiveAssets,
  LiveIamPolicy,
  LiveResource,
} from '../../shared/core/drift/asset-records.ts';
import type { DriftObservation } from '../../shared/core/drift/drift-finding.ts';
import { organizationIdentity } from '../../shared/core/drift/grant-severity.ts';
import { provenanceLocator } from '../../shared/core/drift/provenance-locator.ts';
import { parseAssetFile } from '../../shared/core/drift/parse-asset-file.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import type { DesiredState } from '../../shared/core/governance/desired-state.ts';
import type { WorkspaceModel } from '../../shared/core/governance/governance-model.ts';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import { examplesDirectory } from './corpus.ts';

/**
 * The example organization, rendered with the example configuration (prefix `example`,
 * hub `example-network-hub`), as the asset drift tests see it: its names as the renderer
 * writes them, and an export of exactly its desired state to add live records to.
 */
export const SHIPMENTS = 'shipping.production.shipments';
export const SHIPMENTS_PROJECT = 'example-shipments-prod-0d2ff1a';
export const BUILD_IDENTITY =
  'serviceAccount:infrastream-build@platform-ops.iam.gserviceaccount.com';
export const POOL =
  'principalSet://iam.googleapis.com/locations/global/workforcePools/kestrel-freight';
export const SHIPMENTS_FILE =
  'organization/kestrel-freight/organizational-unit/shipping/environment/production/project/shipments';

interface Example {
  readonly state: DesiredState;
  readonly workspaces: WorkspaceModel[];
  /** The organization exactly as the desired state has it, as an export gives it back. */
  readonly baseline: LiveAssets;
}
let loaded: Example | undefined;

/** The example organization, compiled once for every test of a file. */
function example(): Example {
  if (loaded !== undefined) return loaded;
  const { state } = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
  const workspaces = [...compileWorkspaces(state).values()];
  const exported = syntheticAssetExport(workspaces, exampleRenderConfig);
  const parsed = parseAssetFile('export.ndjson', exported.lines.join('\n'));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return (loaded = { state, workspaces, baseline: parsed.assets });
}

/** The export of the desired state, before anything is added. */
export function baseline(): LiveAssets {
  return example().baseline;
}

/** The observations of the baseline with these records added. */
export function drift(
  added: { policies?: LiveIamPolicy[]; resources?: LiveResource[] },
  platformProjects?: string[],
): DriftObservation[] {
  const { state, workspaces, baseline } = example();
  return assetDrift({
    workspaces,
    config: exampleRenderConfig,
    live: {
      policies: [...baseline.policies, ...(added.policies ?? [])],
      resources: [...baseline.resources, ...(added.resources ?? [])],
    },
    organization: organizationIdentity(state),
    platformMembers: [BUILD_IDENTITY],
    ...(platformProjects === undefined ? {} : { platformProjects }),
    locate: provenanceLocator(state),
  });
}

/** The number the baseline gives a project, as exports and searches name it in `project`. */
export function projectNumber(id: string): string {
  const project = baseline().resources.find((resource) => resource.attributes['projectId'] === id);
  if (project === undefined) throw new Error(`no project ${id}`);
  return project.attributes['projectNumber'] as string;
}

export function folderNamed(displayName: string): string {
  const folder = baseline().resources.find((resource) => resource.displayName === displayName);
  if (folder === undefined) throw new Error(`no folder ${displayName}`);
  return folder.asset;
}

export function grant(
  asset: string,
  assetType: string,
  role: string,
  member: string,
  project?: string,
): LiveIamPolicy {
  return {
    asset,
    assetType,
    ...(project === undefined ? {} : { project: `projects/${projectNumber(project)}` }),
    bindings: [{ role, members: [member] }],
  };
}

export const PROJECT_TYPE = 'cloudresourcemanager.googleapis.com/Project';

/** A grant on the shipments project, named by number as an export names it. */
export function onShipments(role: string, member: string): LiveIamPolicy {
  return grant(
    `//cloudresourcemanager.googleapis.com/projects/${projectNumber(SHIPMENTS_PROJECT)}`,
    PROJECT_TYPE,
    role,
    member,
    SHIPMENTS_PROJECT,
  );
}

/** The line a manifest's `name:` is on, 1-based. */
export function nameLine(file: string): number {
  const text = readFileSync(join(examplesDirectory, file), 'utf8');
  return text.split('\n').findIndex((line) => /^\s+name:/.test(line)) + 1;
}
