import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { formatCodeowners, type CodeownersLine } from '../core/governance/codeowners.ts';
import type {
  ApplicationInstance,
  DesiredState,
  GraphEdge,
  GraphNode,
} from '../core/governance/desired-state.ts';
import type { EffectivePermissions } from '../core/governance/effective-permissions.ts';
import type { Issue } from '../core/issues/issue.ts';
import type { Manifest } from '../core/manifests/manifest.ts';
import { reparsingSourceDocument, type SourceDocument } from '../core/parse/source-document.ts';
import type { RevisionAnalysis } from './revision-loader.ts';

/**
 * The version of the encoding below. A snapshot of another version is not read: the stage
 * parses the revision again. Change it with anything that changes what a snapshot holds or
 * how, the compression included.
 */
export const SNAPSHOT_FORMAT = 1;

/** What a snapshot holds: what the stages after parse use of a revision. */
export interface SnapshotContents {
  readonly analysis: RevisionAnalysis;
  readonly codeownersFile: string | undefined;
}

/** A snapshot as stored: compressed bytes, named by their hash. */
export interface EncodedSnapshot {
  /** The SHA-256 of `bytes`, in hex: the same revision content always has the same key. */
  readonly key: string;
  readonly bytes: Uint8Array;
}

/** Why a snapshot could not be read, or what it held. */
export type DecodedSnapshot =
  | { readonly ok: true; readonly contents: SnapshotContents }
  | { readonly ok: false; readonly reason: string };

/**
 * The snapshot as JSON. Strings and lists that repeat (workspaces, permissions, ancestor
 * chains, owners) are tables referred to by index, and edges and instances are flat number
 * arrays: JSON.parse then makes a few thousand objects instead of a few hundred thousand,
 * which is most of what reading a snapshot costs.
 */
interface SnapshotJson {
  readonly files: number;
  readonly manifestCount: number;
  /** Every file a node is declared in or validation kept the text of; texts are apart. */
  readonly paths: readonly string[];
  /** Which of `paths` are the analysis' `sources`, in its order. */
  readonly sources: readonly number[];
  readonly strings: readonly string[];
  readonly permissions: readonly EffectivePermissions[];
  /** Ancestor chains, as indexes into `strings`. */
  readonly ancestors: readonly (readonly number[])[];
  /** One entry a node, in the graph's order. */
  readonly nodes: {
    readonly ids: readonly string[];
    /** Indexes into `paths`. */
    readonly files: readonly number[];
    readonly manifests: readonly Manifest[];
    readonly ancestors: readonly number[];
    readonly permissions: readonly number[];
    readonly workspaces: readonly number[];
    /** -1: none. */
    readonly regions: readonly number[];
  };
  /** A reference (see `edges`), -1: none. */
  readonly organization: number;
  /**
   * Five numbers an edge: from and to (≥ 0 a node's index, < 0 the string at -1 - n), type
   * (0 parent, 1 reference), field, environment (-1: none).
   */
  readonly edges: readonly number[];
  /** Six strings an instance. */
  readonly instances: readonly number[];
  readonly workspaces: readonly string[];
  readonly issues: readonly Issue[];
  /** The text is made again from the lines. */
  readonly codeowners: {
    readonly issues: readonly Issue[];
    readonly owners: readonly (readonly number[])[];
    /** Three numbers a line: file (-1: none), owners, pattern (-1: the file's path). */
    readonly lines: readonly number[];
  };
  readonly codeownersFile: string | null;
}

/** The format, then the length of the analysis' stream. */
const HEADER_BYTES = 8;
const EDGE_FIELDS = 5;
const INSTANCE_FIELDS = 6;
const LINE_FIELDS = 3;
/**
 * Quality 6 of 11: measured on 10,000 manifests, it writes in a fraction of the time of the
 * highest qualities for a few percent more bytes, and every quality reads as fast.
 */
const BROTLI_QUALITY = 6;

/**
 * Encodes what later stages need of a revision, deterministically: the same analysis gives
 * the same bytes, so two commits of the same tree share one snapshot. The bytes are the
 * format, then two Brotli streams: the analysis, and the texts of its files, which only
 * code frames and a warm instance's incremental work read, and which are decompressed
 * only then.
 */
export function encodeRevisionSnapshot(contents: SnapshotContents): EncodedSnapshot {
  const { json, texts } = toSnapshotJson(contents);
  const analysis = compress(JSON.stringify(json));
  const files = compress(JSON.stringify(texts));
  const bytes = new Uint8Array(HEADER_BYTES + analysis.length + files.length);
  const header = new DataView(bytes.buffer);
  header.setUint32(0, SNAPSHOT_FORMAT);
  header.setUint32(4, analysis.length);
  bytes.set(analysis, HEADER_BYTES);
  bytes.set(files, HEADER_BYTES + analysis.length);
  return { key: snapshotKey(bytes), bytes };
}

/**
 * Reads a snapshot back, after checking its bytes against `key` and its format: bytes that
 * are not what was written (truncated, corrupted, another snapshot's) are refused, never
 * half read.
 */
export function decodeRevisionSnapshot(bytes: Uint8Array, key: string): DecodedSnapshot {
  const found = snapshotKey(bytes);
  if (found !== key) return { ok: false, reason: `its hash is ${found}, not ${key}` };
  if (bytes.length < HEADER_BYTES) return { ok: false, reason: 'it is shorter than its header' };
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const format = header.getUint32(0);
  if (format !== SNAPSHOT_FORMAT) {
    return { ok: false, reason: `its format is ${String(format)}, not ${SNAPSHOT_FORMAT}` };
  }
  const analysisEnd = HEADER_BYTES + header.getUint32(4);
  let json: SnapshotJson;
  try {
    json = JSON.parse(decompress(bytes.subarray(HEADER_BYTES, analysisEnd))) as SnapshotJson;
  } catch (error) {
    return { ok: false, reason: `it does not decode: ${(error as Error).message}` };
  }
  // The bytes are the ones written (their hash says so): the texts decode when asked for.
  let texts: readonly string[] | undefined;
  const textOf = (file: number) => {
    texts ??= JSON.parse(decompress(bytes.subarray(analysisEnd))) as readonly string[];
    return texts[file] as string;
  };
  try {
    return { ok: true, contents: fromSnapshotJson(json, textOf) };
  } catch (error) {
    // Well hashed and yet not a snapshot this code wrote: parsing again is always right.
    return { ok: false, reason: `it does not decode: ${(error as Error).message}` };
  }
}

function compress(text: string): Buffer {
  const bytes = Buffer.from(text);
  return brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

function decompress(bytes: Uint8Array): string {
  return brotliDecompressSync(bytes).toString('utf8');
}

/** The key of snapshot bytes. */
export function snapshotKey(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Indexes of values by a key, in the order first seen. */
class Table<T> {
  readonly values: T[] = [];
  readonly #indexes = new Map<unknown, number>();

  indexOf(value: T, key: unknown = value): number {
    let index = this.#indexes.get(key);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.#indexes.set(key, index);
    }
    return index;
  }
}

function toSnapshotJson({ analysis, codeownersFile }: SnapshotContents): {
  json: SnapshotJson;
  texts: readonly string[];
} {
  const { state, codeowners } = analysis;
  const paths = new Table<string>();
  const texts: string[] = [];
  const fileOf = (path: string, text: string) => {
    const index = paths.indexOf(path);
    if (index === texts.length) texts.push(text);
    return index;
  };
  const sources = [...analysis.sources].map(([path, text]) => fileOf(path, text));
  const strings = new Table<string>();
  const permissions = new Table<EffectivePermissions>();
  const ancestors = new Table<readonly number[]>();
  const nodeIndexes = new Map<string, number>();
  const nodes = {
    ids: [] as string[],
    files: [] as number[],
    manifests: [] as Manifest[],
    ancestors: [] as number[],
    permissions: [] as number[],
    workspaces: [] as number[],
    regions: [] as number[],
  };
  for (const node of state.nodes.values()) {
    nodeIndexes.set(node.id, nodes.ids.length);
    nodes.ids.push(node.id);
    nodes.files.push(fileOf(node.file, node.source.text));
    nodes.manifests.push(node.manifest);
    const chain = node.ancestors.map((id) => strings.indexOf(id));
    nodes.ancestors.push(ancestors.indexOf(chain, chain.join()));
    // By value, so that the table is the same however the graph was built (from scratch or
    // from the revision before); most nodes share their parent's.
    nodes.permissions.push(permissions.indexOf(node.permissions, JSON.stringify(node.permissions)));
    nodes.workspaces.push(strings.indexOf(node.workspace));
    nodes.regions.push(node.region === undefined ? -1 : strings.indexOf(node.region));
  }
  // A node by its index; anything else (never, in a valid revision) as a string.
  const reference = (id: string) => nodeIndexes.get(id) ?? -1 - strings.indexOf(id);
  const edges: number[] = [];
  for (const edge of state.edges) {
    edges.push(
      reference(edge.from),
      reference(edge.to),
      edge.type === 'parent' ? 0 : 1,
      strings.indexOf(edge.field),
      edge.environment === undefined ? -1 : strings.indexOf(edge.environment),
    );
  }
  const instances: number[] = [];
  for (const instance of state.instances) {
    instances.push(
      strings.indexOf(instance.id),
      strings.indexOf(instance.application),
      strings.indexOf(instance.environment),
      strings.indexOf(instance.project),
      strings.indexOf(instance.deploymentConfig),
      strings.indexOf(instance.workspace),
    );
  }
  const owners = new Table<readonly number[]>();
  const lines: number[] = [];
  for (const line of codeowners.lines) {
    const list = line.owners.map((owner) => strings.indexOf(owner));
    lines.push(
      line.file === undefined ? -1 : strings.indexOf(line.file),
      owners.indexOf(list, list.join()),
      line.pattern === line.file ? -1 : strings.indexOf(line.pattern),
    );
  }
  const json: SnapshotJson = {
    files: analysis.files,
    manifestCount: analysis.manifestCount,
    paths: paths.values,
    sources,
    strings: strings.values,
    permissions: permissions.values,
    ancestors: ancestors.values,
    nodes,
    organization: state.organization === undefined ? -1 : reference(state.organization.id),
    edges,
    instances,
    workspaces: state.workspaces,
    issues: analysis.issues,
    codeowners: { issues: codeowners.issues, owners: owners.values, lines },
    codeownersFile: codeownersFile ?? null,
  };
  return { json, texts };
}

function fromSnapshotJson(json: SnapshotJson, textOf: (file: number) => string): SnapshotContents {
  const { strings, paths } = json;
  const string = (index: number) => strings[index] as string;
  const documents = new Map<number, SourceDocument>();
  const documentOf = (file: number) => {
    let document = documents.get(file);
    if (document === undefined) {
      document = lazySourceDocument(paths[file] as string, () => textOf(file));
      documents.set(file, document);
    }
    return document;
  };
  const chains = json.ancestors.map((chain) => chain.map(string));
  const { ids, files, manifests, ancestors, permissions, workspaces, regions } = json.nodes;
  const nodeList: GraphNode[] = [];
  const nodes = new Map<string, GraphNode>();
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as string;
    const manifest = manifests[index] as Manifest;
    const file = files[index] as number;
    const region = regions[index] as number;
    // Fields in the order the graph makes them, and kind and name as validation takes them
    // from the manifest.
    const node: GraphNode = {
      id,
      kind: manifest.kind,
      name: manifest.metadata.name,
      file: paths[file] as string,
      source: documentOf(file),
      manifest,
      ancestors: chains[ancestors[index] as number] as readonly string[],
      permissions: json.permissions[permissions[index] as number] as EffectivePermissions,
      workspace: string(workspaces[index] as number),
      region: region === -1 ? undefined : string(region),
    };
    nodeList.push(node);
    nodes.set(id, node);
  }
  const idOf = (reference: number) =>
    reference >= 0 ? (nodeList[reference] as GraphNode).id : string(-1 - reference);
  const edges: GraphEdge[] = [];
  const edgeFields = json.edges;
  for (let at = 0; at < edgeFields.length; at += EDGE_FIELDS) {
    const environment = edgeFields[at + 4] as number;
    const from = idOf(edgeFields[at] as number);
    const to = idOf(edgeFields[at + 1] as number);
    const type = edgeFields[at + 2] === 0 ? 'parent' : 'reference';
    const field = string(edgeFields[at + 3] as number);
    // As the graph makes them: `environment` only on the edges that have one.
    edges.push(
      environment === -1
        ? { from, to, type, field }
        : { from, to, type, field, environment: string(environment) },
    );
  }
  const instances: ApplicationInstance[] = [];
  const instanceFields = json.instances;
  for (let at = 0; at < instanceFields.length; at += INSTANCE_FIELDS) {
    instances.push({
      id: string(instanceFields[at] as number),
      application: string(instanceFields[at + 1] as number),
      environment: string(instanceFields[at + 2] as number),
      project: string(instanceFields[at + 3] as number),
      deploymentConfig: string(instanceFields[at + 4] as number),
      workspace: string(instanceFields[at + 5] as number),
    });
  }
  const state: DesiredState = {
    organization: json.organization === -1 ? undefined : nodes.get(idOf(json.organization)),
    nodes,
    edges,
    instances,
    workspaces: json.workspaces,
  };
  const ownerLists = json.codeowners.owners.map((list) => list.map(string));
  const lineFields = json.codeowners.lines;
  const lines: CodeownersLine[] = [];
  for (let at = 0; at < lineFields.length; at += LINE_FIELDS) {
    const file = lineFields[at] as number;
    const owners = ownerLists[lineFields[at + 1] as number] as readonly string[];
    const pattern = lineFields[at + 2] as number;
    if (file === -1) lines.push({ pattern: string(pattern), owners });
    else {
      const path = string(file);
      lines.push({ pattern: pattern === -1 ? path : string(pattern), owners, file: path });
    }
  }
  let sources: ReadonlyMap<string, string> | undefined;
  const analysis: RevisionAnalysis = {
    files: json.files,
    manifestCount: json.manifestCount,
    issues: json.issues,
    // Only code frames read them: decoded on first use.
    get sources() {
      sources ??= new Map(json.sources.map((file) => [paths[file] as string, textOf(file)]));
      return sources;
    },
    state,
    codeowners: { lines, text: formatCodeowners(lines), issues: json.codeowners.issues },
  };
  return { analysis, codeownersFile: json.codeownersFile ?? undefined };
}

/**
 * A source document whose text is read when first asked for, and its tree parsed when
 * first needed (as `reparsingSourceDocument`).
 */
function lazySourceDocument(path: string, text: () => string): SourceDocument {
  let document: SourceDocument | undefined;
  const read = () => (document ??= reparsingSourceDocument(path, text()));
  return {
    path,
    get text() {
      return read().text;
    },
    get root() {
      return read().root;
    },
    get lineCounter() {
      return read().lineCounter;
    },
  };
}
