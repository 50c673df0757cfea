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

function edgeDocuments(state: DesiredState | undefined): Map<string, () => EdgeDocument> {
  const byNode = new Map<string, EdgeEntry[]>();
  for (const edge of state?.edges ?? []) {
    let entries = byNode.get(edge.from);
    if (entries === undefined) byNode.set(edge.from, (entries = []));
    entries.push({
      to: edge.to,
      type: edge.type,
      field: edge.field,
      environment: edge.environment ?? null,
    });
  }
  const documents = new Map<string, () => EdgeDocument>();
  for (const [from, edges] of byNode) documents.set(from, () => ({ from, edges }));
  return documents;
}

/**
 * What changes between two revisions' graphs, so that a push writes documents in
 * proportion to what it changed. Without a previous revision, everything is added.
 */
export function graphChanges(previous: DesiredState | undefined, next: DesiredState): GraphChanges {
  return {
    resources: changesOf(
      documentsOf(previous?.nodes.values(), (node) => node.id, resourceDocument),
      documentsOf(next.nodes.values(), (node) => node.id, resourceDocument),
      previous?.nodes,
      next.nodes,
    ),
    edges: changesOf(edgeDocuments(previous), edgeDocuments(next)),
  };
}

function documentsOf<Item, Document>(
  items: Iterable<Item> | undefined,
  idOf: (item: Item) => string,
  toDocument: (item: Item) => Document,
): Map<string, () => Document> {
  const documents = new Map<string, () => Document>();
  // Lazy: most documents of a large graph are unchanged and never need building twice.
  for (const item of items ?? []) documents.set(idOf(item), () => toDocument(item));
  return documents;
}

function changesOf<T>(
  before: ReadonlyMap<string, () => T>,
  after: ReadonlyMap<string, () => T>,
  beforeNodes?: ReadonlyMap<string, GraphNode>,
  afterNodes?: ReadonlyMap<string, GraphNode>,
): DocumentChanges<T> {
  const added = new Map<string, T>();
  const changed = new Map<string, T>();
  const removed: string[] = [];
  for (const [id, make] of after) {
    const old = before.get(id);
    if (old === undefined) {
      added.set(id, make());
      continue;
    }
    // The graph reuses a node object when nothing about it changed: no need to compare.
    if (beforeNodes !== undefined && beforeNodes.get(id) === afterNodes?.get(id)) continue;
    const document = make();
    if (canonical(old()) !== canonical(document)) changed.set(id, document);
  }
  for (const id of before.keys()) if (!after.has(id)) removed.push(id);
  return { added, changed, removed };
}
