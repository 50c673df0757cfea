import type { Issue } from '../core/issues/issue.ts';
import { repositoryKey } from '../core/pipeline/governed-repository.ts';
import type { RepositoryRef } from '../ports/repository-source.ts';
import type { EventFields, RevisionPointer } from '../core/pipeline/workspace-documents.ts';

export type {
  BuildDocument,
  BuildDocumentStatus,
  BuildLease,
  PendingBuild,
  RevisionPointer,
  RunningBuild,
  WorkspaceDocument,
} from '../core/pipeline/workspace-documents.ts';

/**
 * The pipeline's documents and where they live. One model for every backend: Firestore in
 * Google Cloud and on its emulator, files in the embedded default (docs/pipeline.md).
 *
 * ```
 * deliveries/{delivery}                          a webhook delivery ingest accepted or refused
 * repositories/{repo}                            the repository, with `current`: the small
 *                                                pointer to its current revision; {repo} is
 *                                                GitHub's id, or owner/name without one
 *   commits/{sha}                                every pushed commit: per-stage status, issues
 *     issues/{page}                              every issue, when there are more than the
 *                                                commit document keeps
 *     deltas/{workspace}                         what the commit changes in one workspace
 *     checks/{name}                              when its check run was last edited
 *     approvals/{login}                          an approval of its release stages
 *   revisions/{sequence}                         one recorded revision of the desired state
 *     changes/{page}                             the resources and edges it added, changed, removed
 *   resources/{id}, edges/{id}                   the desired-state graph at `current`: a node,
 *                                                and the edges that leave it
 *   workspaces/{workspace}                       last applied, running and pending builds
 *   builds/{workspace@sha}                       one build of one workspace at one commit
 *   events/{id}                                  the append-only audit trail
 *   snapshots/{key}                              a valid revision's analysis, compressed and
 *                                                named by its SHA-256: what the stages after
 *                                                parse read instead of parsing it again
 *     chunks/{n}                                 its bytes, 900 KiB of base64 each
 *   drift/{fingerprint}                          one drift finding, open or resolved
 *   drift-sweeps/{at}                            one drift sweep: its sources and counts
 *   drift-runs/{at}                              a scheduled sweep's claim and its drift builds
 *     reports/{workspace}                        what one drift build saw
 * ```
 */

/** Encodes text as a document id: injective, never `/`, `.`, `..` or Firestore's `__x__`. */
export function documentId(text: string): string {
  const encoded = text.replace(/[%/]/g, (character) => (character === '%' ? '%25' : '%2F'));
  if (encoded === '' || encoded === '.' || encoded === '..' || /^__.*__$/.test(encoded)) {
    return `%${encoded}`;
  }
  return encoded;
}

/** The text a {@link documentId} was made from. */
export function fromDocumentId(id: string): string {
  const text = /^%(?:$|\.{1,2}$|__.*__$)/.test(id) ? id.slice(1) : id;
  return text.replace(/%2F|%25/g, (escape) => (escape === '%2F' ? '/' : '%'));
}

/** `owner/name`, as GitHub prints it. */
export function repositoryName(repository: RepositoryRef): string {
  return `${repository.owner}/${repository.name}`;
}

/**
 * Paths of one repository's documents, under its id when it has one: a rename keeps them,
 * and a repository that takes over the name never reaches them.
 */
export function repositoryPaths(repository: RepositoryRef) {
  const root = `repositories/${documentId(repositoryKey(repository))}`;
  return {
    repository: root,
    commit: (sha: string) => `${root}/commits/${sha}`,
    issuePages: (sha: string) => `${root}/commits/${sha}/issues`,
    issuePage: (sha: string, page: number) =>
      `${root}/commits/${sha}/issues/${String(page).padStart(6, '0')}`,
    deltas: (sha: string) => `${root}/commits/${sha}/deltas`,
    check: (sha: string, name: string) => `${root}/commits/${sha}/checks/${documentId(name)}`,
    approvals: (sha: string) => `${root}/commits/${sha}/approvals`,
    approval: (sha: string, login: string) =>
      `${root}/commits/${sha}/approvals/${documentId(login.toLowerCase())}`,
    delta: (sha: string, workspace: string) =>
      `${root}/commits/${sha}/deltas/${documentId(workspace)}`,
    revisions: `${root}/revisions`,
    revision: (sequence: number) => `${root}/revisions/${revisionId(sequence)}`,
    changes: (sequence: number, page: number) =>
      `${root}/revisions/${revisionId(sequence)}/changes/${String(page).padStart(6, '0')}`,
    resources: `${root}/resources`,
    resource: (id: string) => `${root}/resources/${documentId(id)}`,
    edges: `${root}/edges`,
    edge: (id: string) => `${root}/edges/${documentId(id)}`,
    workspaces: `${root}/workspaces`,
    workspace: (id: string) => `${root}/workspaces/${documentId(id)}`,
    builds: `${root}/builds`,
    build: (workspace: string, sha: string) =>
      `${root}/builds/${documentId(`${workspace}@${sha}`)}`,
    events: `${root}/events`,
    event: (key: string) => `${root}/events/${documentId(key)}`,
    snapshots: `${root}/snapshots`,
    snapshot: (key: string) => `${root}/snapshots/${key}`,
    snapshotChunk: (key: string, chunk: number) =>
      `${root}/snapshots/${key}/chunks/${String(chunk).padStart(6, '0')}`,
    drift: `${root}/drift`,
    driftFinding: (fingerprint: string) => `${root}/drift/${fingerprint}`,
    driftSweeps: `${root}/drift-sweeps`,
    driftSweep: (at: string) => `${root}/drift-sweeps/${documentId(at)}`,
    driftRuns: `${root}/drift-runs`,
    driftRun: (at: string) => `${root}/drift-runs/${documentId(at)}`,
    driftReports: (at: string) => `${root}/drift-runs/${documentId(at)}/reports`,
    driftReport: (at: string, workspace: string) =>
      `${root}/drift-runs/${documentId(at)}/reports/${documentId(workspace)}`,
  };
}

/** The paths of one repository's documents. */
export type RepositoryPaths = ReturnType<typeof repositoryPaths>;

/** Zero-padded, so that ids sort as numbers do. */
function revisionId(sequence: number): string {
  return String(sequence).padStart(10, '0');
}

/** `repositories/{repo}`. */
export interface RepositoryDocument {
  readonly owner: string;
  readonly name: string;
  /** GitHub's repository id, which `{repo}` is, when the repository has one. */
  readonly id?: number;
  readonly defaultBranch: string;
  /** The current revision: what the default branch says should exist. */
  readonly current: (RevisionPointer & { readonly recordedAt: string }) | null;
  /**
   * A revision whose resources and edges are being written. Recording serializes on it: the
   * next revision waits until it is cleared, so two revisions' writes never interleave.
   */
  readonly recording: (RevisionPointer & { readonly previous: RevisionPointer | null }) | null;
}

/** An issue as a commit document keeps it. */
export type StoredIssue = Pick<
  Issue,
  'file' | 'line' | 'column' | 'pointer' | 'rule' | 'severity' | 'message'
>;

/** An issue as a commit document keeps it: without its related locations. */
export function storedIssue(issue: Issue): StoredIssue {
  const { file, line, column, pointer, rule, severity, message } = issue;
  return { file, line, column, pointer, rule, severity, message };
}

/** What parse found. */
export interface ParseStage {
  readonly status: 'passed' | 'failed';
  readonly at: string;
  readonly files: number;
  readonly manifests: number;
  readonly errors: number;
  readonly warnings: number;
}

/** What record did with the commit. */
export interface RecordStage {
  readonly status: 'recorded' | 'unchanged' | 'skipped';
  readonly at: string;
  readonly sequence?: number;
  /**
   * For a recorded revision: the commit it follows, null for the first. Deltas plans against
   * it, or, when its plan was refused, against the last revision accepted before it.
   */
  readonly previous?: string | null;
  readonly reason?: string;
}

/** What deltas found: the workspaces handed to builds and what happened to CODEOWNERS. */
export interface DeltasStage {
  readonly at: string;
  readonly sequence: number;
  /** The affected workspaces it requested builds for; none when the revision is refused. */
  readonly workspaces: readonly string[];
  readonly codeowners: 'unchanged' | 'committed' | 'branch-moved' | 'not-written';
  readonly summary: Readonly<Record<string, number>>;
  /** Whether the builds it requested apply; absent where written before it was kept. */
  readonly apply?: boolean;
  /** Present when the plan refuses the revision: no workspace of it is built or applied. */
  readonly refused?: PlanRefusal;
  /**
   * The revision it was planned against: the last accepted one before it (`acceptedRevision`),
   * null for none; absent where written before it was kept.
   */
  readonly base?: string | null;
}

/** Why a revision's plan refuses it: the errors of the plan (the data loss not allowed). */
export interface PlanRefusal {
  /** One line, for `run`, `state` and the plan check's title. */
  readonly reason: string;
  readonly issues: readonly StoredIssue[];
}

/** A plan of a commit that is not applied (another branch). */
export interface PlanStage {
  readonly at: string;
  readonly base: string | null;
  readonly workspaces: readonly string[];
  readonly summary: Readonly<Record<string, number>>;
}

/** The stages after ingest, by the name they are deployed and logged under. */
export type StageName =
  'parse' | 'record' | 'deltas' | 'builds' | 'build-status' | 'consent' | 'drift';

/** A stage's permanent failure on a commit: why it stopped, for the author and the operator. */
export interface StageFailure {
  readonly at: string;
  readonly reason: string;
  /** The delivery whose message failed, when the message names one. */
  readonly delivery?: string;
}

/** `repositories/{repo}/commits/{sha}`. */
export interface CommitDocument {
  readonly commit: string;
  readonly ref: string;
  readonly delivery: string;
  readonly pusher: string;
  readonly receivedAt: string;
  readonly stages: {
    readonly parse?: ParseStage;
    readonly record?: RecordStage;
    readonly deltas?: DeltasStage;
    readonly plan?: PlanStage;
  };
  /** The first issues, in file order; `issueCount` says how many there were. */
  readonly issues: readonly StoredIssue[];
  readonly issueCount: number;
  /**
   * The stages that failed for good on this commit and were not retried. A stage that
   * succeeds later (a redelivery once the cause is fixed) shows in `stages`.
   */
  readonly failures?: Readonly<Partial<Record<StageName, StageFailure>>>;
}

/** `repositories/{repo}/events/{id}`: written once, never changed. */
export type EventDocument = EventFields;

/** `repositories/{repo}/snapshots/{key}`: written after its chunks, so it names a whole snapshot. */
export interface SnapshotDocument {
  readonly format: number;
  /** Of the compressed snapshot, whose SHA-256 `{key}` is. */
  readonly bytes: number;
  readonly chunks: number;
  /** When a commit last had this snapshot written for it: collection spares recent ones. */
  readonly writtenAt: string;
}

/** `…/snapshots/{key}/chunks/{n}`. */
export interface SnapshotChunkDocument {
  /** Base64, at most 900 KiB of it: Firestore documents are limited to 1 MiB. */
  readonly data: string;
}

/** How many issues a commit document keeps: documents are limited to 1 MiB. */
export const STORED_ISSUES_LIMIT = 500;

/** Issues per page document, when a commit has more than its document keeps. */
export const ISSUES_PER_PAGE = 1000;
