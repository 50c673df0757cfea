import type { Json } from '../governance/governance-model.ts';
import type { DriftFinding, DriftSource, ManifestLocation } from './drift-finding.ts';

/** How a source's reading went: `unavailable` when it is not set up here, `failed` when it broke. */
export type SourceStatus = 'ok' | 'partial' | 'failed' | 'unavailable';

/** One source as the sweep read it. */
export interface SourceReport {
  readonly name: DriftSource;
  readonly status: SourceStatus;
  /** One line: what was read, or why not. */
  readonly detail: string;
}

/** The sweep document (`drift-sweeps/{id}`): small, written by every sweep, quiet or not. */
export interface SweepSummary {
  readonly id: string;
  readonly at: string;
  /** The workspace swept alone, when one was. */
  readonly workspace?: string;
  readonly sources: readonly SourceReport[];
  readonly open: number;
  readonly appeared: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly resolved: number;
  /** Finding documents the sweep wrote: appeared, changed and resolved. */
  readonly written: number;
  /** What the sweep published, when it was given a publisher. */
  readonly publication?: PublicationReport;
}

/** What a sweep published (GitHub issues, code scanning), or why it did not. */
export interface PublicationReport {
  /**
   * `ok`: everything told; `partial`: some of it (the issues but not code scanning, say);
   * `failed`: nothing; `unavailable`: not set up here, or turned off.
   */
  readonly status: SourceStatus;
  /** One line: what was created, edited, closed or uploaded, or why not. */
  readonly detail: string;
  /**
   * The digest of the SARIF log code scanning holds after the sweep: the new one when it was
   * uploaded, the one before otherwise. The next sweep uploads only a log that differs.
   */
  readonly sarifDigest?: string;
}

/** What a sweep tells: its summary, every open finding, and those it resolved. */
export interface DriftReport {
  readonly sweep: SweepSummary;
  readonly findings: readonly DriftFinding[];
  readonly resolved: readonly DriftFinding[];
  /** The commit the acknowledgements were read at, when the sweep says. */
  readonly acknowledgementsCommit?: string;
}

/** A finding as `infrastream drift --format json` prints it. */
export interface DriftFindingJson {
  readonly fingerprint: string;
  readonly source: DriftSource;
  readonly severity: string;
  readonly workspace: string | null;
  readonly address?: string;
  readonly asset?: string;
  readonly attribute: string;
  readonly summary: string;
  readonly before: Json;
  readonly after: Json;
  readonly manifest: ManifestLocation | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly acknowledged: { readonly reason: string; readonly expires: string } | null;
}

/** The JSON form of a finding: every field present, `null` where there is nothing. */
export function findingJson(finding: DriftFinding): DriftFindingJson {
  return {
    fingerprint: finding.fingerprint,
    source: finding.source,
    severity: finding.severity,
    workspace: finding.workspace ?? null,
    ...(finding.asset === undefined
      ? { address: finding.address ?? '' }
      : { asset: finding.asset }),
    attribute: finding.attribute,
    summary: finding.summary,
    before: finding.before,
    after: finding.after,
    manifest: finding.manifest ?? null,
    firstSeen: finding.firstSeen,
    lastSeen: finding.lastSeen,
    acknowledged: finding.acknowledged ?? null,
  };
}

/**
 * `{ sweep, sources, publication, acknowledgementsCommit, findings, resolved }`, as
 * docs/drift.md shows it.
 */
export function formatDriftJson(report: DriftReport): string {
  const { sources, publication, ...sweep } = report.sweep;
  return `${JSON.stringify(
    {
      sweep,
      sources,
      ...(publication === undefined ? {} : { publication }),
      ...(report.acknowledgementsCommit === undefined
        ? {}
        : { acknowledgementsCommit: report.acknowledgementsCommit }),
      findings: report.findings.map(findingJson),
      resolved: report.resolved.map(findingJson),
    },
    null,
    2,
  )}\n`;
}

const order: Readonly<Record<string, number>> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Findings most severe first, then by workspace, address or asset, and attribute. */
export function sortFindings(findings: readonly DriftFinding[]): DriftFinding[] {
  const key = (finding: DriftFinding) =>
    [finding.workspace ?? '', finding.address ?? finding.asset ?? '', finding.attribute].join('\0');
  return findings.toSorted(
    (a, b) =>
      (order[a.severity] ?? 4) - (order[b.severity] ?? 4) ||
      (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  );
}

/** The findings as a person reads them: one block per finding, sources and counts last. */
export function formatDriftText(report: DriftReport): string {
  const lines: string[] = [];
  for (const finding of report.findings) {
    const where =
      finding.manifest === undefined
        ? ''
        : `  ${finding.manifest.file}:${finding.manifest.line}:${finding.manifest.column}`;
    const acknowledged =
      finding.acknowledged === undefined
        ? ''
        : `  (acknowledged until ${finding.acknowledged.expires}: ${finding.acknowledged.reason})`;
    lines.push(`${finding.severity.padEnd(8)} ${finding.summary}${acknowledged}`);
    if (where !== '') lines.push(`         declared at${where}`);
    lines.push(
      `         ${finding.source} ${finding.fingerprint}  before ${short(finding.before)}  after ${short(finding.after)}`,
    );
  }
  for (const finding of report.resolved)
    lines.push(`resolved ${finding.summary}  (${finding.fingerprint})`);
  if (lines.length > 0) lines.push('');
  for (const source of report.sweep.sources)
    lines.push(`source ${source.name}: ${source.status}, ${source.detail}`);
  const { publication } = report.sweep;
  if (publication !== undefined)
    lines.push(`published: ${publication.status}, ${publication.detail}`);
  if (report.acknowledgementsCommit !== undefined)
    lines.push(`acknowledgements read at ${report.acknowledgementsCommit.slice(0, 12)}`);
  const { open, appeared, changed, resolved, written } = report.sweep;
  const acknowledged = report.findings.filter((finding) => finding.acknowledged).length;
  lines.push(
    `${open} open (${acknowledged} acknowledged), ${appeared} appeared, ${changed} changed, ${resolved} resolved; ${written} findings written`,
  );
  return `${lines.join('\n')}\n`;
}

function short(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
