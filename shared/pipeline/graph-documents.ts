import type { DesiredState, GraphEdge, GraphNode } from '../core/governance/desired-state.ts';
import { canonical } from '../core/governance/plan.ts';

/** A node of the desired-state graph as a document: what it is and what it inherits. */
export interface ResourceDocument {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly file: string;
  readonly ancestors: readonly string[];
  readonly workspace: string;
  readonly region: string | null;
  readonly permissions: unknown;
  readonly spec: unknown;
}

/** One link from a node, as its node's edge document lists it. */
export interface EdgeEntry {
  readonly to: string;
  readonly type: GraphEdge['type'];
  readonly field: string;
  readonly environment: string | null;
}

/**
 * The edges that leave one node, as one document: a node's links change together (they
 * come from its one manifest), and a large graph has several edges per node, so this keeps
 * a first push to one write per node rather than one per edge.
 */
export interface EdgeDocument {
  readonly from: string;
  readonly edges: readonly EdgeEntry[];
}

/** What one revision changes in the graph, as documents to put and ids to delete. */
export interface GraphChanges {
  readonly resources: DocumentChanges<ResourceDocument>;
  readonly edges: DocumentChanges<EdgeDocument>;
}

/** Added, changed and removed documents of one collection, by id. */
export interface DocumentChanges<T> {
  readonly added: ReadonlyMap<string, T>;
  readonly changed: ReadonlyMap<string, T>;
  readonly removed: readonly string[];
}

/** The document of a graph node. */
export function resourceDocument(node: GraphNode): ResourceDocument {
  return {
    id: node.id,
    kind: node.kind,
    name: node.name,
    file: node.file,
    ancestors: node.ancestors,
    workspace: node.workspace,
    region: node.region ?? null,
    permissions: node.permissions,
    spec: (node.manifest as { readonly spec?: unknown }).spec ?? null,
  };
}

/** The edges of a graph by the node they leave, as the graph holds them. */
function edgesByNode(state: DesiredState | undefined): Map<string, GraphEdge[]> {
  const byNode = new Map<string, GraphEdge[]>();
  for (const edge of state?.edges ?? []) {
    let edges = byNode.get(edge.from);
    if (edges === undefined) byNode.set(edge.from, (edges = []));
    edges.push(edge);
  }
  return byNode;
}

function edgeDocument(from: string, edges: readonly GraphEdge[]): EdgeDocument {
  return {
    from,
    edges: edges.map((edge) => ({
      to: edge.to,
      type: edge.type,
      field: edge.field,
      environment: edge.environment ?? null,
    })),
  };
}

function edgeChanges(
  previous: DesiredState | undefined,
  next: DesiredState,
): DocumentChanges<EdgeDocument> {
  const before = edgesByNode(previous);
  const after = edgesByNode(next);
  const added = new Map<string, EdgeDocument>();
  const changed = new Map<string, EdgeDocument>();
  for (const [from, edges] of after) {
    const old = before.get(from);
    if (old === undefined) {
      added.set(from, edgeDocument(from, edges));
      continue;
    }
    // A graph built from the one before keeps the edge objects of what did not change.
    if (old.length === edges.length && old.every((edge, index) => edge === edges[index])) continue;
    const document = edgeDocument(from, edges);
    if (canonical(edgeDocument(from, old)) !== canonical(document)) changed.set(from, document);
  }
  const removed = [...before.keys()].filter((from) => !after.has(from));
  return { added, changed, removed };
}

/**
 * What changes between two revisions' graphs, so that a push writes documents in
 * proportion to what it changed. Without a previous revision, everything is added.
 */
export function graphChanges(previous: DesiredState | undefined, next: DesiredState): GraphChanges {
  return { resources: resourceChanges(previous, next), edges: edgeChanges(previous, next) };
}

function resourceChanges(
  previous: DesiredState | undefined,
  next: DesiredState,
): DocumentChanges<ResourceDocument> {
  const added = new Map<string, ResourceDocument>();
  const changed = new Map<string, ResourceDocument>();
  for (const [id, node] of next.nodes) {
    const old = previous?.nodes.get(id);
    if (old === undefined) added.set(id, resourceDocument(node));
    // A graph built from the one before keeps the node objects of what did not change.
    else if (old !== node) {
      const document = resourceDocument(node);
      if (canonical(resourceDocument(old)) !== canonical(document)) changed.set(id, document);
    }
  }
  const removed = [...(previous?.nodes.keys() ?? [])].filter((id) => !next.nodes.has(id));
  return { added, changed, removed };
}
