import type { Json, Provenance, WorkspaceModel } from '../governance/governance-model.ts';
import { ORGANIZATION_WORKSPACE } from '../governance/workspace-id.ts';
import type { RenderConfig } from '../render/render-config.ts';
import type { LiveAssets, LiveIamPolicy, LiveResource } from './asset-records.ts';
import { grantSeverity, type OrganizationIdentity } from './grant-severity.ts';
import { desiredAssets, type DesiredAssets } from './desired-assets.ts';
import type { DriftObservation, DriftSeverity, ManifestLocation } from './drift-finding.ts';
import { isExemptMember } from './google-managed-members.ts';
import { isPublicPrincipal } from '../plan-guard/public-principals.ts';

/** What comparing the live inventory with the desired state needs. */
export interface AssetDriftInput {
  /** The desired state's workspace models, as `compileWorkspaces` makes them. */
  readonly workspaces: Iterable<WorkspaceModel>;
  /** The configuration the workspaces were rendered with: it names projects and buckets. */
  readonly config: RenderConfig;
  readonly live: LiveAssets;
  readonly organization: OrganizationIdentity;
  /** The pipeline's own identities as IAM members (its build service account first): granted by `infra/`, not by manifests. */
  readonly platformMembers: readonly string[];
  /** Ids of projects no manifest governs (the pipeline's own): nothing in them is compared. */
  readonly platformProjects?: readonly string[];
  /** Where a manifest entry is written, for the declaring entry of what drifted. */
  readonly locate: (cause: Provenance) => ManifestLocation | undefined;
}

const RUN_INVOKER = 'roles/run.invoker';

/**
 * What the live inventory holds that the desired state does not:
 * - `iam`: every member of every live binding whose `<resource> <role> <member>` no
 *   workspace grants, compared exactly (names, roles and members as IAM spells them; a
 *   conditional binding is never the unconditional grant). Google's own agents and the
 *   pipeline's identities are exempt (see `googleManagedMembers`).
 * - `resources`: user-managed service-account keys (no workspace ever makes one),
 *   firewall rules, external addresses and buckets no workspace or module makes, and
 *   Cloud Run services no workspace declares that anyone may invoke.
 * A grant on a declared resource carries that resource's manifest entry. Observations
 * come in the inventory's order, each difference once; the caller fingerprints them.
 */
export function assetDrift(input: AssetDriftInput): DriftObservation[] {
  const projects = liveProjects(input.live.resources);
  const normalize = (asset: string) => withProjectIds(asset, projects.byNumber);
  const folders = input.live.resources
    .filter((resource) => resource.assetType === 'cloudresourcemanager.googleapis.com/Folder')
    .map((folder) => ({
      ...folder,
      asset: normalize(folder.asset),
      ...(folder.parent === undefined ? {} : { parent: normalize(folder.parent) }),
    }));
  const desired = desiredAssets(input.workspaces, input.config, folders);
  const platformMembers = new Set(input.platformMembers);
  const platformProjects = new Set(input.platformProjects ?? []);
  const knownProjects = new Set([...projects.byNumber.values(), ...desired.projects.keys()]);
  const context: Context = { input, desired, projects, normalize, platformProjects };

  const observations: DriftObservation[] = [];
  // Files may hold the same asset twice (a search and an export of one organization):
  // it is one difference, seen once.
  const seen = new Set<string>();
  const report = (observation: DriftObservation) => {
    const key = `${observation.source}\n${observation.asset ?? ''}\n${observation.attribute}`;
    if (seen.has(key)) return;
    seen.add(key);
    observations.push(observation);
  };
  const publicServices = new Set<string>();
  for (const policy of input.live.policies) {
    const where = placeOf(context, policy);
    if (where === undefined) continue;
    for (const binding of policy.bindings) {
      for (const member of binding.members) {
        if (binding.role === RUN_INVOKER && isPublicPrincipal(member))
          publicServices.add(where.asset);
        if (isExemptMember(member, platformMembers)) continue;
        const condition = binding.condition;
        if (
          condition === undefined &&
          desired.grants.has(`${where.asset} ${binding.role} ${member}`)
        )
          continue;
        const severity = grantSeverity(binding.role, member, {
          organization: input.organization,
          knownProjects,
          knownProjectNumbers: projects.byNumber,
        });
        const grant = `${binding.role} ${member}${condition === undefined ? '' : ` if ${condition.expression}`}`;
        report({
          source: 'iam',
          ...where.owner,
          asset: where.asset,
          attribute: grant,
          severity,
          summary: `${member} holds ${binding.role} on ${where.asset}${condition === undefined ? '' : ' under a condition'}, which no manifest grants`,
          before: null,
          after: {
            role: binding.role,
            member,
            ...(condition === undefined ? {} : { condition: condition.expression }),
          },
        });
      }
    }
  }

  for (const resource of input.live.resources) {
    const unmanaged = unmanagedResource(resource, desired, publicServices, normalize);
    if (unmanaged === undefined) continue;
    const where = placeOf(context, resource);
    if (where === undefined) continue;
    report({
      source: 'resources',
      ...where.owner,
      asset: where.asset,
      attribute: unmanaged.attribute,
      severity: unmanaged.severity,
      summary: `${unmanaged.what} ${where.asset}, which no manifest declares`,
      before: null,
      after: { assetType: resource.assetType, ...resource.attributes },
    });
  }
  return observations;
}

interface Context {
  readonly input: AssetDriftInput;
  readonly desired: DesiredAssets;
  readonly projects: LiveProjects;
  readonly normalize: (asset: string) => string;
  readonly platformProjects: ReadonlySet<string>;
}

/**
 * A live asset's name, with project numbers read as ids, and the workspace it belongs
 * to, with the manifest entry that declares it; undefined in a platform project.
 */
function placeOf(
  context: Context,
  record: LiveIamPolicy | LiveResource,
):
  | {
      asset: string;
      owner: { workspace?: string; manifest?: ManifestLocation };
    }
  | undefined {
  const asset = context.normalize(record.asset);
  const project =
    (record.project === undefined
      ? undefined
      : context.projects.byNumber.get(numberOf(record.project))) ??
    /^\/\/[^/]+\/projects\/([^/]+)/.exec(asset)?.[1];
  if (project !== undefined && context.platformProjects.has(project)) return undefined;
  const declared = context.desired.declared.get(asset);
  const workspace =
    declared?.workspace ??
    (project === undefined
      ? asset.startsWith('//cloudresourcemanager.googleapis.com/organizations/')
        ? ORGANIZATION_WORKSPACE
        : undefined
      : context.desired.projects.get(project));
  const manifest = declared === undefined ? undefined : context.input.locate(declared.cause);
  return {
    asset,
    owner: {
      ...(workspace === undefined ? {} : { workspace }),
      ...(manifest === undefined ? {} : { manifest }),
    },
  };
}

/**
 * Why a live resource is a finding, or undefined when a workspace or a module makes it
 * or it is not one of the kinds that matter.
 */
function unmanagedResource(
  resource: LiveResource,
  desired: DesiredAssets,
  publicServices: ReadonlySet<string>,
  normalize: (asset: string) => string,
): { attribute: string; severity: DriftSeverity; what: string } | undefined {
  const asset = normalize(resource.asset);
  const made = desired.declared.has(asset) || desired.madeByModules.has(asset);
  switch (resource.assetType) {
    case 'iam.googleapis.com/ServiceAccountKey':
      // Google's own keys sign for its services and never leave it; a user-managed key is
      // a credential outside every control the pipeline has. Unknown types are reported.
      return resource.attributes['keyType'] === 'SYSTEM_MANAGED'
        ? undefined
        : {
            attribute: 'user-managed key',
            severity: 'high',
            what: 'a user-managed service account key',
          };
    case 'compute.googleapis.com/Firewall':
      return made
        ? undefined
        : { attribute: 'firewall rule', severity: 'high', what: 'a firewall rule' };
    case 'compute.googleapis.com/Address':
    case 'compute.googleapis.com/GlobalAddress':
      // The Compute API's default address type is EXTERNAL: only an internal one is left out.
      return made || resource.attributes['addressType'] === 'INTERNAL'
        ? undefined
        : { attribute: 'external address', severity: 'high', what: 'an external IP address' };
    case 'storage.googleapis.com/Bucket':
      return made ? undefined : { attribute: 'bucket', severity: 'medium', what: 'a bucket' };
    case 'run.googleapis.com/Service':
      return made || !publicServices.has(asset)
        ? undefined
        : {
            attribute: 'public service',
            severity: 'critical',
            what: 'a Cloud Run service anyone may invoke,',
          };
    default:
      return undefined;
  }
}

/** Project ids by number, from the live Project resources. */
interface LiveProjects {
  readonly byNumber: ReadonlyMap<string, string>;
}

/**
 * The live projects: a search names a project by id and gives its number in `project`,
 * an export names it by number and gives its id in `projectId`.
 */
function liveProjects(resources: readonly LiveResource[]): LiveProjects {
  const byNumber = new Map<string, string>();
  for (const resource of resources) {
    if (resource.assetType !== 'cloudresourcemanager.googleapis.com/Project') continue;
    const last = resource.asset.slice(resource.asset.lastIndexOf('/') + 1);
    const id = text(resource.attributes['projectId']) ?? (/^\d+$/.test(last) ? undefined : last);
    const number =
      text(resource.attributes['projectNumber']) ??
      (resource.project === undefined ? undefined : numberOf(resource.project)) ??
      (/^\d+$/.test(last) ? last : undefined);
    if (id !== undefined && number !== undefined) byNumber.set(number, id);
  }
  return { byNumber };
}

/** A full resource name with `projects/<number>` written `projects/<id>`, when the number is known. */
function withProjectIds(asset: string, byNumber: ReadonlyMap<string, string>): string {
  return asset.replace(
    /^(\/\/[^/]+\/projects\/)(\d+)(?=\/|$)/,
    (whole, prefix: string, number: string) => {
      const id = byNumber.get(number);
      return id === undefined ? whole : `${prefix}${id}`;
    },
  );
}

function numberOf(project: string): string {
  return project.slice(project.indexOf('/') + 1);
}

function text(value: Json | undefined): string | undefined {
  return typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined;
}
