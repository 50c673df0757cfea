import { acknowledge, type DriftAcknowledgement } from '../core/drift/drift-acknowledgements.ts';
import type { DriftFinding, DriftObservation, DriftSource } from '../core/drift/drift-finding.ts';
import {
  sortFindings,
  type DriftReport,
  type SourceReport,
  type SweepSummary,
} from '../core/drift/drift-report.ts';
import { diffSweep } from '../core/drift/sweep-diff.ts';
import type { Clock } from '../ports/clock.ts';
import type { DocumentStore, DocumentWrite } from '../ports/document-store.ts';
import type { DriftPublication, DriftPublisher } from '../ports/drift-publisher.ts';
import type { DriftReader, DriftReading } from '../ports/drift-reader.ts';
import type { RepositoryRef } from '../ports/repository-source.ts';
import { toData } from './repository-state.ts';
import { repositoryPaths } from './state-documents.ts';

/** `drift/{fingerprint}`: a finding as the store keeps it. */
export type DriftFindingDocument = DriftFinding & {
  readonly status: 'open' | 'resolved';
  /** The sweep that no longer saw it. */
  readonly resolvedAt?: string;
};

/** What a sweep needs. */
export interface DriftSweepOptions {
  readonly store: DocumentStore;
  readonly repository: RepositoryRef;
  readonly readers: readonly DriftReader[];
  /** The repository's acknowledgements, read from its default branch, unexpired. */
  readonly acknowledgements: readonly DriftAcknowledgement[];
  /** The commit the acknowledgements were read at, for the report. */
  readonly acknowledgementsCommit?: string;
  readonly clock: Clock;
  /** Only this workspace, when set. */
  readonly workspace?: string;
  /**
   * Where the sweep tells what it found (GitHub issues and code scanning), once its findings
   * are stored; a sweep without one publishes nothing.
   */
  readonly publisher?: DriftPublisher;
}

/**
 * One drift sweep: reads every source, sets what they saw against the open findings, and
 * writes only what appeared, changed or resolved, then the sweep's own small document: a
 * sweep over unchanged drift writes that one document. Nothing is reverted, and a source
 * that could not be read resolves none of its findings. Acknowledgements are applied to
 * the report, never stored: the repository is where they live. With a publisher, the
 * report is published once the findings are stored, and the sweep document, written last,
 * says what was: a publisher that fails loses none of the findings.
 */
export async function runDriftSweep(options: DriftSweepOptions): Promise<DriftReport> {
  const at = options.clock.now();
  const paths = repositoryPaths(options.repository);
  const scope = {
    at,
    ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
  };
  const [stored, readings, sweeps] = await Promise.all([
    options.store.list(paths.drift),
    Promise.all(options.readers.map((reader) => readSafely(reader, scope))),
    // Only a publisher needs the last sweep: it holds the digest of what was last uploaded.
    options.publisher === undefined ? [] : options.store.list(paths.driftSweeps),
  ]);
  const open = stored
    .map((entry) => entry.data as unknown as DriftFindingDocument)
    .filter((finding) => finding.status === 'open')
    .map(withoutStatus);
  const inScope = (finding: DriftObservation) =>
    options.workspace === undefined || finding.workspace === options.workspace;
  const observations = readings.flatMap(({ reading }) => reading.observations).filter(inScope);
  const sources = new Set<DriftSource>();
  const unreadWorkspaces = new Set<string>();
  for (const { reader, reading } of readings) {
    if (reading.status !== 'ok' && reading.status !== 'partial') continue;
    // A partial reading that cannot tell what it left out resolves nothing.
    if (reading.status === 'partial' && reading.unreadWorkspaces === undefined) continue;
    sources.add(reader.name);
    for (const workspace of reading.unreadWorkspaces ?? []) unreadWorkspaces.add(workspace);
  }
  const diff = diffSweep(
    open,
    observations,
    {
      sources,
      unreadWorkspaces,
      ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
    },
    at,
  );
  const findingWrites: DocumentWrite[] = [
    ...[...diff.appeared, ...diff.changed].map((finding) => ({
      kind: 'set' as const,
      path: paths.driftFinding(finding.fingerprint),
      data: toData({ ...finding, status: 'open' }),
    })),
    ...diff.resolved.map((finding) => ({
      kind: 'set' as const,
      path: paths.driftFinding(finding.fingerprint),
      data: toData({ ...finding, status: 'resolved', resolvedAt: at }),
    })),
  ];
  const settled = new Set(
    [...diff.appeared, ...diff.changed, ...diff.unchanged, ...diff.resolved].map(
      (finding) => finding.fingerprint,
    ),
  );
  const stillOpen = [
    ...diff.appeared,
    ...diff.changed,
    ...diff.unchanged.map((finding) => ({ ...finding, lastSeen: at })),
    // Not looked for this time: open as they were.
    ...open.filter((finding) => !settled.has(finding.fingerprint)),
  ].filter(inScope);
  const sourceReports: SourceReport[] = readings.map(({ reader, reading }) => ({
    name: reader.name,
    status: reading.status,
    detail: reading.detail,
  }));
  const summary: SweepSummary = {
    id: at,
    at,
    ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
    sources: sourceReports,
    open: stillOpen.length,
    appeared: diff.appeared.length,
    changed: diff.changed.length,
    unchanged: diff.unchanged.length,
    resolved: diff.resolved.length,
    written: findingWrites.length,
  };
  const report: DriftReport = {
    sweep: summary,
    findings: sortFindings(acknowledge(stillOpen, options.acknowledgements)),
    resolved: sortFindings(diff.resolved),
    ...(options.acknowledgementsCommit === undefined
      ? {}
      : { acknowledgementsCommit: options.acknowledgementsCommit }),
  };
  if (options.publisher === undefined) {
    // The findings first, the sweep that accounts for them last.
    await options.store.write([
      ...findingWrites,
      { kind: 'set', path: paths.driftSweep(at), data: toData(summary) },
    ]);
    return report;
  }
  // Stored before anything is published, so a publisher that fails or hangs loses none.
  if (findingWrites.length > 0) await options.store.write(findingWrites);
  // A sweep that had no publisher changed nothing on GitHub: the one before it tells.
  const lastPublished = sweeps
    .map((entry) => entry.data as unknown as SweepSummary)
    .findLast((sweep) => sweep.publication !== undefined);
  const publication = await publishSafely(
    options.publisher,
    report,
    lastPublished?.publication?.sarifDigest,
  );
  const published: SweepSummary = { ...summary, publication };
  await options.store.write([{ kind: 'set', path: paths.driftSweep(at), data: toData(published) }]);
  return { ...report, sweep: published };
}

/** The open findings the store holds, as `infrastream state drift` lists them. */
export async function openDriftFindings(
  store: DocumentStore,
  repository: RepositoryRef,
): Promise<{ readonly findings: DriftFinding[]; readonly lastSweep: SweepSummary | undefined }> {
  const paths = repositoryPaths(repository);
  const [stored, sweeps] = await Promise.all([
    store.list(paths.drift),
    store.list(paths.driftSweeps),
  ]);
  const lastSweep = sweeps.at(-1)?.data as SweepSummary | undefined;
  const findings = stored
    .map((entry) => entry.data as unknown as DriftFindingDocument)
    .filter((finding) => finding.status === 'open')
    .map(withoutStatus);
  return { findings: sortFindings(findings), lastSweep };
}

function withoutStatus(document: DriftFindingDocument): DriftFinding {
  const { status: _, resolvedAt: __, ...finding } = document;
  return finding;
}

async function readSafely(
  reader: DriftReader,
  scope: { readonly at: string; readonly workspace?: string },
): Promise<{ readonly reader: DriftReader; readonly reading: DriftReading }> {
  try {
    return { reader, reading: await reader.read(scope) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      reader,
      reading: { status: 'failed', detail: message.split('\n')[0] ?? '', observations: [] },
    };
  }
}

async function publishSafely(
  publisher: DriftPublisher,
  report: DriftReport,
  sarifDigest: string | undefined,
): Promise<DriftPublication> {
  try {
    return await publisher.publish({
      report,
      ...(sarifDigest === undefined ? {} : { sarifDigest }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Nothing is known to have changed: code scanning holds what it held.
    return {
      status: 'failed',
      detail: message.split('\n')[0] ?? '',
      ...(sarifDigest === undefined ? {} : { sarifDigest }),
    };
  }
}
