import { compareStrings } from '../issues/issue.ts';
import { kindParents, type ParentKey } from '../manifests/kinds.ts';
import type { CodeownersLine } from './codeowners.ts';
import type { DesiredState, GraphNode } from './desired-state.ts';
import type { ModelResource, WorkspaceModel } from './governance-model.ts';
import { workloadRoles } from './iam-roles.ts';
import type { ModelDiff } from './plan.ts';

/**
 * An added access edge whose target belongs to other people than the file that adds it,
 * or a manifest that moves into (or out of) a scope other people own.
 */
export interface ConsentRequest {
  readonly workspace: string;
  /**
   * What gains access to what, such as `serviceAccount:api → secret.stripe-key`; for a
   * move, the manifest's id before and after.
   */
  readonly edge: string;
  /** The file whose change adds the edge, or that declares the manifest that moves. */
  readonly requestedBy: string;
  /** The file that declares the target, or the scope entered or left. */
  readonly target: string;
  /** Who must approve: the owners of the target, or of the scope and the moved file. */
  readonly owners: readonly string[];
  readonly reason: string;
}

/**
 * Separation of duties beyond what CODEOWNERS can express: CODEOWNERS asks the owners of
 * the files a change touches, but an application that names someone else's secret touches
 * only its own file. For every access edge the plan adds (an application to a secret,
 * database or topic; a route, push subscription or calling application to a service; an
 * application placed in a project; a group let through IAP), the owners of the target must approve when they
 * are not all owners of the file that adds it.
 *
 * Ownership is read as the base revision has it wherever it can be: the change being judged
 * may also edit ownership, and must not decide who consents to it. A target's owners are
 * its owners before the change (after it, for a file the change adds); the file that asks
 * counts as owned only by those who own it both before and after (a file no line names is
 * owned by the `*` line's owners of its revision).
 */
export function consentRequests(
  diff: ModelDiff,
  head: ReadonlyMap<string, WorkspaceModel>,
  codeowners: {
    readonly base: readonly CodeownersLine[];
    readonly head: readonly CodeownersLine[];
    /** Whether the base revision has the file: its owners then are the base's, `*` included. */
    readonly inBase: (file: string) => boolean;
  },
  subjectFile: (id: string) => string | undefined,
): ConsentRequest[] {
  // Most plans add no access edge: the owners of every file are gathered when one does.
  let owners: { readonly base: OwnersByFile; readonly head: OwnersByFile } | undefined;
  const ownership = () =>
    (owners ??= { base: ownersByFile(codeowners.base), head: ownersByFile(codeowners.head) });
  const before = (file: string) => {
    const { base } = ownership();
    return codeowners.inBase(file) ? (base.files.get(file) ?? base.fallback) : undefined;
  };
  const after = (file: string) => {
    const { head } = ownership();
    return head.files.get(file) ?? head.fallback;
  };
  const targetOwners = (file: string) => before(file) ?? after(file);
  const requesterOwners = (file: string) => {
    const owned = before(file);
    return owned === undefined ? after(file) : after(file).filter((owner) => owned.includes(owner));
  };
  const requests = new Map<string, ConsentRequest>();

  const need = (
    workspace: string,
    edge: string,
    requestedBy: string,
    target: string | undefined,
    reason: string,
  ) => {
    if (target === undefined || target === requestedBy) return;
    const requester = new Set(requesterOwners(requestedBy));
    const owners = targetOwners(target);
    if (owners.every((owner) => requester.has(owner))) return;
    const key = `${requestedBy} ${target} ${edge}`;
    if (!requests.has(key))
      requests.set(key, { workspace, edge, requestedBy, target, owners, reason });
  };

  for (const plan of diff.workspaces) {
    const resources = new Map<string, ModelResource>(
      (head.get(plan.id)?.resources ?? []).map((resource) => [resource.address, resource]),
    );
    const fileOf = (address: string) => resources.get(address)?.cause.file;
    for (const binding of plan.iam.add) {
      const edge = `${binding.member} → ${binding.resource}`;
      if (binding.role === workloadRoles.iapAccessor) {
        const group = binding.subject && subjectFile(binding.subject);
        need(
          plan.id,
          edge,
          binding.cause.file,
          group,
          `lets the members of ${binding.member} through Identity-Aware Proxy; the group's owners decide who they are`,
        );
      } else if (binding.role === workloadRoles.invoker) {
        need(
          plan.id,
          edge,
          binding.cause.file,
          fileOf(binding.resource),
          `sends traffic to ${binding.resource}, which its owners run`,
        );
      } else if (
        binding.subject !== undefined &&
        (binding.role === workloadRoles.secretAccessor || binding.role === workloadRoles.publisher)
      ) {
        need(
          plan.id,
          edge,
          binding.cause.file,
          fileOf(binding.resource),
          `grants ${binding.role} on ${binding.resource}, which its owners hold`,
        );
      }
    }
    for (const created of plan.create) {
      const resource = resources.get(created.address);
      if (resource?.type === 'alloydb_user') {
        const cluster = resource.attributes['cluster'] as string;
        need(
          plan.id,
          `${resource.attributes['member'] as string} → ${cluster}`,
          resource.cause.file,
          fileOf(cluster),
          `creates a database user with ${JSON.stringify(resource.attributes['privileges'])} on ${cluster}`,
        );
      } else if (resource?.type === 'cloud_run_service') {
        const identity = `service_account.${created.address.slice('cloud_run_service.'.length)}`;
        const application = resources.get(identity)?.cause.file;
        const project = [...resources.values()].find((candidate) => candidate.type === 'project');
        if (application !== undefined)
          need(
            plan.id,
            `${identity} → ${project?.address ?? plan.id}`,
            application,
            project?.cause.file,
            `places an application in ${project?.address ?? plan.id}, which its owners run`,
          );
      }
    }
  }
  return [...requests.values()].sort(compareConsentRequests);
}

/** The owners CODEOWNERS gives each file, and those of files no line names. */
interface OwnersByFile {
  readonly files: ReadonlyMap<string, readonly string[]>;
  readonly fallback: readonly string[];
}

function ownersByFile(lines: readonly CodeownersLine[]): OwnersByFile {
  return {
    files: new Map(
      lines.flatMap((line) => (line.file === undefined ? [] : [[line.file, line.owners] as const])),
    ),
    fallback: lines.find((line) => line.file === undefined)?.owners ?? [],
  };
}

/** Plan order: by workspace, then by the file that asks, then by edge. */
export function compareConsentRequests(a: ConsentRequest, b: ConsentRequest): number {
  return (
    compareStrings(a.workspace, b.workspace) ||
    compareStrings(a.requestedBy, b.requestedBy) ||
    compareStrings(a.edge, b.edge)
  );
}

/** A revision as consent on moves reads it: its manifests and its CODEOWNERS. */
export interface OwnedRevision {
  readonly state: DesiredState;
  readonly codeowners: readonly CodeownersLine[];
}

/** A manifest as it was and as it is: moved, renamed, written over, or deleted. */
interface PlaceChange {
  readonly before: GraphNode;
  readonly after: GraphNode | undefined;
}

/**
 * Separation of duties for manifests that change place. CODEOWNERS in force is the base
 * revision's, so a team that owns a development file can move what it declares to
 * production (`metadata.environment`, `project`, `organizational-unit`), or rename the
 * file, and be asked only for itself. For every manifest that moves, is renamed, is
 * written over by another, or is deleted, the owners of the scope it leaves (and of its
 * file before) and of the scope it enters (and of its file after) must approve when they
 * are not all owners of the file before the change, who CODEOWNERS already asks. A scope's
 * owners are those of its nearest ancestor (a project's include its environment's, unit's
 * and organization's), as CODEOWNERS computes them. A manifest created in a new file is
 * not a move: CODEOWNERS asks the owners of `*` for it.
 */
export function moveConsentRequests(base: OwnedRevision, head: OwnedRevision): ConsentRequest[] {
  const changes = placeChanges(base.state, head.state);
  // Most plans move nothing: owners are gathered only when something did.
  if (changes.length === 0) return [];
  const ownersBefore = codeownersOf(base);
  const ownersAfter = codeownersOf(head);
  const requests = new Map<string, ConsentRequest>();
  const need = (
    author: ReadonlySet<string>,
    workspace: string,
    edge: string,
    requestedBy: string,
    side: { readonly target: string; readonly owners: readonly string[] },
    reason: string,
  ) => {
    if (side.owners.every((owner) => author.has(owner))) return;
    const key = `${requestedBy} ${side.target} ${edge}`;
    if (!requests.has(key)) requests.set(key, { workspace, edge, requestedBy, ...side, reason });
  };
  for (const { before, after } of changes) {
    const author = new Set(ownersBefore.ofFile(before.file));
    const reason = describeChange(before, after);
    const requestedBy = after?.file ?? before.file;
    const edge =
      after === undefined
        ? `${before.id} (deleted)`
        : after.id === before.id
          ? `${after.id} (${before.file} → ${after.file})`
          : `${before.id} → ${after.id}`;
    need(author, before.workspace, edge, requestedBy, ownersBefore.ofPlace(before), reason);
    if (after !== undefined)
      need(author, after.workspace, edge, requestedBy, ownersAfter.ofPlace(after), reason);
  }
  return [...requests.values()].sort(compareConsentRequests);
}

/**
 * Manifests whose place changed. The same ids in the same files, which is what most
 * changes leave, are recognised in one pass without a lookup. A manifest that appears is
 * matched with the one that disappeared from its file, and with one of its kind and name
 * that disappeared elsewhere (moved and renamed at once); one without either is new.
 */
function placeChanges(base: DesiredState, head: DesiredState): PlaceChange[] {
  if (samePlaces(base, head)) return [];
  const changes: PlaceChange[] = [];
  const appeared: GraphNode[] = [];
  for (const after of head.nodes.values()) {
    const before = base.nodes.get(after.id);
    if (before === undefined) appeared.push(after);
    else if (before.file !== after.file) changes.push({ before, after });
  }
  const gone = [...base.nodes.values()].filter((node) => !head.nodes.has(node.id));
  const matched = new Set<GraphNode>();
  if (appeared.length > 0) {
    const baseByFile = new Map([...base.nodes.values()].map((node) => [node.file, node]));
    const goneByName = new Map<string, GraphNode[]>();
    for (const node of gone) {
      const key = `${node.kind}:${node.name}`;
      const named = goneByName.get(key);
      if (named === undefined) goneByName.set(key, [node]);
      else named.push(node);
    }
    for (const after of appeared) {
      const sameName = goneByName
        .get(`${after.kind}:${after.name}`)
        ?.find((node) => !matched.has(node));
      const sameFile = baseByFile.get(after.file);
      for (const before of new Set([sameName, sameFile])) {
        if (before === undefined) continue;
        matched.add(before);
        changes.push({ before, after });
      }
    }
  }
  for (const before of gone) if (!matched.has(before)) changes.push({ before, after: undefined });
  return changes;
}

/** Whether two states hold the same ids in the same files, in the same order. */
function samePlaces(base: DesiredState, head: DesiredState): boolean {
  if (base.nodes.size !== head.nodes.size) return false;
  const before = base.nodes.values();
  for (const after of head.nodes.values()) {
    const node = before.next().value;
    if (node === after) continue;
    if (node === undefined || node.id !== after.id || node.file !== after.file) return false;
  }
  return true;
}

/** Who owns files and places in one revision, by its CODEOWNERS (`*` for the rest). */
function codeownersOf(revision: OwnedRevision) {
  const fallback = revision.codeowners.find((line) => line.file === undefined)?.owners ?? [];
  const byFile = new Map(
    revision.codeowners.flatMap((line) =>
      line.file === undefined ? [] : [[line.file, line.owners] as const],
    ),
  );
  const ofFile = (file: string): readonly string[] => byFile.get(file) ?? fallback;
  return {
    ofFile,
    /** The owners of a manifest's scope (its nearest ancestor) and of its file. */
    ofPlace(node: GraphNode): { readonly target: string; readonly owners: readonly string[] } {
      const scope = revision.state.nodes.get(node.ancestors[0] ?? '');
      const target = scope?.file ?? node.file;
      const owners = new Set([...(scope ? ofFile(scope.file) : []), ...ofFile(node.file)]);
      // The default sort is code-unit order, as CODEOWNERS sorts owners.
      return { target, owners: [...owners].sort() };
    },
  };
}

/** `moves Secret extra from environment staging to production`, and the like. */
function describeChange(before: GraphNode, after: GraphNode | undefined): string {
  const what = (node: GraphNode) => `${node.kind} ${node.name}`;
  if (after === undefined) return `deletes ${what(before)} (${describePlace(before)})`;
  // Another kind or name is matched only by its file: the file now declares something else.
  if (before.kind !== after.kind || before.name !== after.name)
    return `puts ${what(after)} (${describePlace(after)}) in place of ${what(before)} (${describePlace(before)})`;
  const moves = kindParents[after.kind].flatMap((key: ParentKey) => {
    const from = metadataValue(before, key);
    const to = metadataValue(after, key);
    return from === to ? [] : [`from ${key} ${from} to ${to}`];
  });
  if (before.file !== after.file) moves.push(`from file ${before.file} to ${after.file}`);
  return `moves ${what(after)} ${moves.join(' and ')}`;
}

/** `project shop, environment production`: the two nearest ancestors, by name. */
function describePlace(node: GraphNode): string {
  const keys = kindParents[node.kind].slice(0, 2) as readonly ParentKey[];
  return keys.length === 0
    ? 'the organization'
    : keys.map((key) => `${key} ${metadataValue(node, key)}`).join(', ');
}

function metadataValue(node: GraphNode, key: ParentKey): string {
  return (node.manifest.metadata as Partial<Record<ParentKey, string>>)[key] ?? '';
}
