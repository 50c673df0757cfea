import { kindParents, kinds, parentKinds, type Kind, type ParentKey } from '../manifests/kinds.ts';
import type { Manifest, ManifestOf } from '../manifests/manifest.ts';
import { compareStrings } from '../issues/issue.ts';
import type { SourceDocument } from '../parse/source-document.ts';
import { lookupScope, referencesOf } from '../validate/references.ts';
import {
  identityOf,
  RepositoryIndex,
  type IndexedManifest,
  type Scope,
} from '../validate/repository-index.ts';
import { ownPermissions } from '../manifests/permissions.ts';
import {
  combinePermissions,
  noPermissions,
  type EffectivePermissions,
} from './effective-permissions.ts';
import { ORGANIZATION_WORKSPACE, projectWorkspaceId } from './workspace-id.ts';

/** A manifest in the graph, with what is derived from its place in the hierarchy. */
export interface GraphNode {
  readonly id: string;
  readonly kind: Kind;
  readonly name: string;
  /** The file that declares it. */
  readonly file: string;
  /** Its parsed file, to locate issues about it. */
  readonly source: SourceDocument;
  readonly manifest: Manifest;
  /** Ids of its ancestors, nearest first. */
  readonly ancestors: readonly string[];
  /** Its own permissions combined with every ancestor's. */
  readonly permissions: EffectivePermissions;
  /** The workspace whose Terraform holds what it becomes; applications have one per instance. */
  readonly workspace: string;
  /** The region it runs in, for the kinds that run somewhere; undefined for the others. */
  readonly region: string | undefined;
}

/** A link between manifests: an ancestor, or a name in spec. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly type: 'parent' | 'reference';
  /** JSON pointer of the field that makes the link, in the `from` manifest. */
  readonly field: string;
  /** For an application's grants: the environment the link holds in. */
  readonly environment?: string;
}

/**
 * An application running in one environment: in the project of its `spec.project` name
 * there, configured by the DeploymentConfig of its own name.
 */
export interface ApplicationInstance {
  /** `<application id>@<environment>`. */
  readonly id: string;
  readonly application: string;
  readonly environment: string;
  readonly project: string;
  readonly deploymentConfig: string;
  readonly workspace: string;
}

/** The desired state of a repository: what Git says should exist. */
export interface DesiredState {
  readonly organization: GraphNode | undefined;
  /** Every manifest, sorted by id. */
  readonly nodes: ReadonlyMap<string, GraphNode>;
  /** By source in id order, then in the order the source names them. */
  readonly edges: readonly GraphEdge[];
  readonly instances: readonly ApplicationInstance[];
  /** Every workspace id, the organization's first, then sorted. */
  readonly workspaces: readonly string[];
}

/** The desired state of a repository with nothing in it: what a first revision is planned against. */
export const EMPTY_DESIRED_STATE: DesiredState = {
  organization: undefined,
  nodes: new Map(),
  edges: [],
  instances: [],
  workspaces: [],
};

/**
 * Kinds whose content flows into their descendants (inherited permissions, regions): when
 * one of them changes, its descendants are built again rather than reused.
 */
const INHERITED_KINDS: ReadonlySet<Kind> = new Set([
  'Organization',
  'OrganizationalUnit',
  'Environment',
  'Project',
  'GithubRepository',
]);

/** What a graph keeps to be built again cheaply: its index and each node's own edges. */
interface Reusable {
  readonly index: RepositoryIndex;
  readonly ownEdges: ReadonlyMap<string, readonly GraphEdge[]>;
  readonly placementEdges: ReadonlyMap<string, readonly GraphEdge[]>;
}

/** Kinds whose change can move an application: everything else leaves placements as they are. */
const PLACING_KINDS: readonly Kind[] = ['Application', 'ExternalApplication', 'ReleaseTrack'];
const reusable = new WeakMap<DesiredState, Reusable>();

/**
 * Builds the graph of a repository that validated without errors. The output depends only
 * on the manifests, never on the order they come in. Given the graph of an earlier
 * revision, nodes whose file did not change are taken from it as they are, unless an
 * ancestor they inherit from changed; the result is the same either way.
 */
export function buildDesiredState(
  manifests: readonly IndexedManifest[],
  previous?: DesiredState,
  /** An index of exactly these manifests, when the caller already has one (validation's). */
  given?: RepositoryIndex,
): DesiredState {
  const byId = new Map<string, Required<IndexedManifest>>();
  for (const entry of manifests) if (hasManifest(entry)) byId.set(entry.id, entry);
  const earlier = previous && reusable.get(previous);
  // Manifests that are new or whose file changed, path or text; the others' nodes may be
  // taken from the previous graph. Found once: it compares the texts of every file.
  const changed = new Set<string>();
  // Manifests whose change reaches their descendants: those descendants are built again.
  const changedInherited = new Set<string>();
  const changedKinds = new Set<Kind>();
  let sameIds = previous?.nodes.size === byId.size;
  if (previous !== undefined) {
    for (const [id, entry] of byId) {
      const node = previous.nodes.get(id);
      if (
        node !== undefined &&
        node.file === entry.source.path &&
        node.source.text === entry.source.text
      )
        continue;
      changed.add(id);
      changedKinds.add(entry.kind);
      if (node === undefined) sameIds = false;
      if (INHERITED_KINDS.has(entry.kind)) changedInherited.add(id);
    }
    // With the same ids, nothing was removed.
    if (!sameIds) {
      for (const [id, node] of previous.nodes) {
        if (INHERITED_KINDS.has(node.kind) && !byId.has(id)) changedInherited.add(id);
      }
    }
  }
  // The same manifests as before keep their order; otherwise code-unit order, which the
  // default sort gives without a callback per comparison.
  const ids =
    sameIds && previous !== undefined ? [...previous.nodes.keys()] : [...byId.keys()].sort();
  const organizationEntry = manifests.find((entry) => entry.kind === 'Organization');
  const organizationSpec =
    organizationEntry?.manifest?.kind === 'Organization'
      ? organizationEntry.manifest.spec
      : undefined;

  // An id names its ancestors outermost first (`Kind:org/unit/environment/project/name`),
  // so a descendant's chain starts with its ancestor's. A kind of another branch with the
  // same names may match too: it is then built again, never wrongly reused.
  const changedChains = [...changedInherited].map((id) => `${id.slice(id.indexOf(':') + 1)}/`);
  const underChanged = (id: string) =>
    changedChains.length > 0 &&
    changedChains.some((chain) => id.startsWith(chain, id.indexOf(':') + 1));

  // Memoized up the chain: the table of kinds is a chain, so a manifest's ancestors are its
  // parent and its parent's ancestors. Each is the very id string of that manifest where
  // there is one: later lookups by it are quicker, and memory holds one copy.
  const ancestorsById = new Map<string, readonly string[]>();
  const ancestorsOf = (id: string, kind: Kind): readonly string[] => {
    let ancestors = ancestorsById.get(id);
    if (ancestors === undefined) {
      const key = kindParents[kind][0];
      if (key === undefined) ancestors = [];
      else {
        const written = parentId(id, key);
        const parent = byId.get(written)?.id ?? written;
        ancestors = [parent, ...ancestorsOf(parent, parentKinds[key])];
      }
      ancestorsById.set(id, ancestors);
    }
    return ancestors;
  };
  // Memoized up the chain: a manifest's permissions are its own and its parent's.
  const permissionsById = new Map<string, EffectivePermissions>();
  const effectivePermissions = (id: string): EffectivePermissions => {
    let permissions = permissionsById.get(id);
    if (permissions === undefined) {
      const entry = byId.get(id);
      if (entry?.manifest === undefined) return noPermissions;
      const parent = ancestorsOf(id, entry.kind)[0];
      permissions = combinePermissions(
        ownPermissions(entry.manifest),
        parent === undefined ? noPermissions : effectivePermissions(parent),
      );
      permissionsById.set(id, permissions);
    }
    return permissions;
  };

  let index = given ?? (sameIds ? earlier?.index : undefined);
  if (index === undefined) {
    index = new RepositoryIndex();
    for (const id of ids) index.add(byId.get(id) as IndexedManifest);
  }
  // Edges are kept per source, its own and then its placements, and flattened in id order
  // at the end: deterministic without a sort.
  const ownEdges = new Map<string, readonly GraphEdge[]>();
  const nodes = new Map<string, GraphNode>();
  for (const id of ids) {
    const kept = changed.has(id) || underChanged(id) ? undefined : previous?.nodes.get(id);
    const keptEdges = kept && earlier?.ownEdges.get(id);
    if (kept !== undefined && keptEdges !== undefined) {
      nodes.set(id, kept);
      ownEdges.set(id, keptEdges);
      continue;
    }
    const entry = byId.get(id) as Required<IndexedManifest>;
    const ancestors = ancestorsOf(id, entry.kind);
    const region = runsSomewhere(entry.kind)
      ? (regionOf(entry, ancestors, byId) ?? organizationSpec?.defaultRegion)
      : undefined;
    nodes.set(id, {
      id,
      kind: entry.kind,
      name: entry.name,
      file: entry.source.path,
      source: entry.source,
      manifest: entry.manifest,
      ancestors,
      permissions: effectivePermissions(id),
      workspace: workspaceOf(entry.kind, entry.metadata),
      region,
    });
    const own: GraphEdge[] = [];
    const parent = ancestors[0];
    if (parent !== undefined)
      own.push({ from: id, to: parent, type: 'parent', field: parentField[entry.kind] });
    for (const reference of referencesOf(entry.manifest)) {
      if (reference.scope === 'placement') continue;
      const target = resolve(
        index,
        reference.kinds,
        reference.name,
        lookupScope(reference, entry.metadata),
      );
      if (target !== undefined)
        own.push({ from: id, to: target, type: 'reference', field: reference.pointer });
    }
    ownEdges.set(id, own);
  }

  // Placements depend on applications, tracks and which projects and configs exist.
  const samePlacements =
    sameIds &&
    earlier !== undefined &&
    previous !== undefined &&
    !PLACING_KINDS.some((kind) => changedKinds.has(kind));
  const instances: ApplicationInstance[] = samePlacements ? [...previous.instances] : [];
  const placementEdges = samePlacements ? earlier.placementEdges : new Map<string, GraphEdge[]>();
  for (const id of samePlacements ? [] : ids) {
    const node = nodes.get(id) as GraphNode;
    if (node.manifest.kind !== 'Application' && node.manifest.kind !== 'ExternalApplication')
      continue;
    const placed: GraphEdge[] = [];
    (placementEdges as Map<string, GraphEdge[]>).set(id, placed);
    for (const instance of instancesOf(node.manifest, id, byId)) {
      instances.push(instance);
      placed.push({
        from: id,
        to: instance.project,
        type: 'reference',
        field: '/spec/project',
        environment: instance.environment,
      });
      placed.push({
        from: id,
        to: instance.deploymentConfig,
        type: 'reference',
        field: '/metadata/name',
        environment: instance.environment,
      });
      const scope = projectScope(
        node.manifest.metadata,
        instance.environment,
        node.manifest.spec.project,
      );
      for (const reference of referencesOf(node.manifest)) {
        if (reference.scope !== 'placement') continue;
        const target = resolve(index, reference.kinds, reference.name, scope);
        if (target !== undefined)
          placed.push({
            from: id,
            to: target,
            type: 'reference',
            field: reference.pointer,
            environment: instance.environment,
          });
      }
    }
  }

  const edges: GraphEdge[] = [];
  // ownEdges was filled in id order.
  for (const [id, own] of ownEdges) {
    edges.push(...own);
    const placed = placementEdges.get(id);
    if (placed !== undefined) edges.push(...placed);
  }
  const workspaces = new Set<string>([ORGANIZATION_WORKSPACE]);
  for (const node of nodes.values()) if (node.kind === 'Project') workspaces.add(node.workspace);
  const state: DesiredState = {
    organization: organizationEntry && nodes.get(organizationEntry.id),
    nodes,
    edges,
    instances,
    workspaces: [
      ORGANIZATION_WORKSPACE,
      ...[...workspaces].filter((id) => id !== ORGANIZATION_WORKSPACE).sort(compareStrings),
    ],
  };
  reusable.set(state, { index, ownEdges, placementEdges });
  return state;
}

function hasManifest(entry: IndexedManifest): entry is Required<IndexedManifest> {
  return entry.manifest !== undefined;
}

/** The field of each kind that names its parent, for the edge to it. */
const parentField = Object.fromEntries(
  kinds.map((kind) => [kind, `/metadata/${kindParents[kind][0] ?? ''}`]),
) as Record<Kind, string>;

/** The id of a manifest's parent, which its metadata names under this key. */
function parentId(id: string, key: ParentKey): string {
  // An id is `Kind:outermost/…/name`: the parent's is its kind and the chain without the name.
  const chainStart = id.indexOf(':') + 1;
  const chainEnd = Math.max(id.lastIndexOf('/'), chainStart);
  return `${parentKinds[key]}:${id.slice(chainStart, chainEnd)}`;
}

/** Project-scoped kinds live in their project's workspace; everything else is organization-wide. */
function workspaceOf(kind: Kind, metadata: Scope & { name: string }): string {
  if (kind === 'Project')
    return projectWorkspaceId(
      metadata['organizational-unit'] ?? '',
      metadata.environment ?? '',
      metadata.name,
    );
  if (metadata.project !== undefined)
    return projectWorkspaceId(
      metadata['organizational-unit'] ?? '',
      metadata.environment ?? '',
      metadata.project,
    );
  return ORGANIZATION_WORKSPACE;
}

function runsSomewhere(kind: Kind): boolean {
  return kindParents[kind].includes('project' as never) || kind === 'Project';
}

/** A project's region, or its project's for what lives in one; a PublicIngress may set its own. */
function regionOf(
  entry: Required<IndexedManifest>,
  ancestors: readonly string[],
  byId: ReadonlyMap<string, IndexedManifest>,
): string | undefined {
  if (entry.manifest.kind === 'PublicIngress' && entry.manifest.spec.region !== undefined)
    return entry.manifest.spec.region;
  const projectId =
    entry.kind === 'Project'
      ? entry.id
      : ancestors.find((ancestor) => ancestor.startsWith('Project:'));
  const project = projectId === undefined ? undefined : byId.get(projectId)?.manifest;
  return project?.kind === 'Project' ? project.spec.region : undefined;
}

function resolve(
  index: RepositoryIndex,
  kinds: readonly Kind[],
  name: string,
  scope: Scope,
): string | undefined {
  for (const kind of kinds) {
    // Validation made every reference resolve to exactly one manifest.
    const [match] = index.find(kind, name, scope);
    if (match !== undefined) return match.id;
  }
  return undefined;
}

function projectScope(metadata: Scope, environment: string, project: string): Scope {
  return {
    organization: metadata.organization,
    'organizational-unit': metadata['organizational-unit'],
    environment,
    project,
  } as Scope;
}

/** Every environment of a release track's stages, sorted; worked out once per track. */
function environmentsOf(track: ManifestOf<'ReleaseTrack'>): readonly string[] {
  let environments = trackEnvironments.get(track);
  if (environments === undefined) {
    const named = new Set(
      [track.spec.preReleaseStages, track.spec.releaseStages, track.spec.hotfixStages]
        .flatMap((stages) => stages ?? [])
        .flatMap((stage) => stage.environments),
    );
    environments = [...named].sort(compareStrings);
    trackEnvironments.set(track, environments);
  }
  return environments;
}

const trackEnvironments = new WeakMap<ManifestOf<'ReleaseTrack'>, readonly string[]>();

function instancesOf(
  application: ManifestOf<'Application' | 'ExternalApplication'>,
  id: string,
  byId: ReadonlyMap<string, IndexedManifest>,
): ApplicationInstance[] {
  const metadata = application.metadata;
  const track = byId.get(
    identityOf('ReleaseTrack', metadata, metadata['release-track']) ?? '',
  )?.manifest;
  if (track?.kind !== 'ReleaseTrack') return [];
  return environmentsOf(track).flatMap((environment) => {
    const scope = projectScope(metadata, environment, application.spec.project);
    const project = identityOf('Project', scope, application.spec.project) ?? '';
    const deploymentConfig = identityOf('DeploymentConfig', scope, metadata.name) ?? '';
    if (!byId.has(project) || !byId.has(deploymentConfig)) return [];
    return [
      {
        id: `${id}@${environment}`,
        application: id,
        environment,
        project,
        deploymentConfig,
        workspace: projectWorkspaceId(
          metadata['organizational-unit'],
          environment,
          application.spec.project,
        ),
      },
    ];
  });
}
