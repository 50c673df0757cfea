import type { Location, ReportingDescriptor, Result } from 'sarif';
import { compareStrings } from '../issues/issue.ts';
import { fingerprintKey, sarifText, toUri, type SarifOptions } from '../report/format-sarif.ts';
import type { DriftFinding, DriftSeverity, DriftSource } from './drift-finding.ts';

/** What SARIF says about the tool, and where findings without a manifest line are shown. */
export interface DriftSarifOptions extends SarifOptions {
  /**
   * The repository file that findings no manifest declares (a branch protection, an
   * unmanaged grant) are shown on, at its first line: code scanning drops results
   * without a location. The organization manifest, usually.
   */
  readonly unlocatedFile: string;
}

/**
 * The code scanning category of drift: GitHub replaces the previous upload of the same tool
 * and category, so each sweep's log replaces the last rather than adding to it, and stays
 * apart from the validation results `infrastream validate --format sarif` uploads.
 */
export const DRIFT_SARIF_CATEGORY = 'infrastream/drift/';

const LEVELS: Readonly<Record<DriftSeverity, Result.level>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};

/** GitHub ranks security alerts by this property: critical above 9, high 7 to 8.9, and so on. */
const SECURITY_SEVERITY: Readonly<Record<DriftSeverity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.0',
  low: '2.0',
};

const SEVERITY_ORDER: readonly DriftSeverity[] = ['critical', 'high', 'medium', 'low'];

/** The SARIF rule of a finding: one per source and severity, so alerts group and rank alike. */
export function driftRuleId(source: DriftSource, severity: DriftSeverity): string {
  return `drift/${source}/${severity}`;
}

function locationOf(finding: DriftFinding, unlocatedFile: string): Location {
  const manifest = finding.manifest;
  const file = manifest?.file ?? unlocatedFile;
  const startLine = manifest?.line ?? 1;
  const startColumn = manifest?.column ?? 1;
  return {
    physicalLocation: {
      artifactLocation: { uri: toUri(file), uriBaseId: '%SRCROOT%' },
      region: { startLine, startColumn, endLine: startLine, endColumn: startColumn + 1 },
    },
  };
}

function subjectOf(finding: DriftFinding): string {
  const where = finding.workspace === undefined ? '' : ` in workspace ${finding.workspace}`;
  const what = finding.address ?? finding.asset;
  return what === undefined ? where : `${where} (${what})`;
}

function resultOf(finding: DriftFinding, ruleIndex: number, unlocatedFile: string): Result {
  const result: Result = {
    ruleId: driftRuleId(finding.source, finding.severity),
    ruleIndex,
    level: LEVELS[finding.severity],
    message: {
      text:
        `${finding.summary}${subjectOf(finding)}: ${finding.attribute} was ` +
        `${JSON.stringify(finding.before)}, is ${JSON.stringify(finding.after)}`,
    },
    locations: [locationOf(finding, unlocatedFile)],
    // The sweep's fingerprint, so code scanning keeps one alert per drift across sweeps.
    partialFingerprints: { [fingerprintKey]: finding.fingerprint },
    properties: { firstSeen: finding.firstSeen, lastSeen: finding.lastSeen },
  };
  if (finding.acknowledged === undefined) return result;
  return {
    ...result,
    suppressions: [
      {
        kind: 'external',
        justification: `${finding.acknowledged.reason} (until ${finding.acknowledged.expires})`,
      },
    ],
  };
}

function compareFindings(a: DriftFinding, b: DriftFinding): number {
  return (
    SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
    compareStrings(a.fingerprint, b.fingerprint)
  );
}

/**
 * A SARIF 2.1.0 log of drift findings for GitHub code scanning: one run of the
 * `infrastream` driver in the {@link DRIFT_SARIF_CATEGORY} category, one rule per source
 * and severity used, results on the manifest lines that declare what drifted (or on
 * `unlocatedFile`), keyed by the finding's fingerprint, acknowledged findings suppressed
 * with their reason. The result ends with a newline.
 */
export function formatDriftSarif(
  findings: readonly DriftFinding[],
  options: DriftSarifOptions,
): string {
  const sorted = findings.toSorted(compareFindings);
  const ruleIds = [
    ...new Set(sorted.map((finding) => driftRuleId(finding.source, finding.severity))),
  ].sort(compareStrings);
  const ruleIndex = new Map(ruleIds.map((id, index) => [id, index]));
  const descriptors: ReportingDescriptor[] = ruleIds.map((id) => {
    const [, source, severity] = id.split('/') as [string, DriftSource, DriftSeverity];
    return {
      id,
      shortDescription: { text: `${severity} drift read by the ${source} source` },
      defaultConfiguration: { level: LEVELS[severity] },
      properties: { tags: ['security', 'drift'], 'security-severity': SECURITY_SEVERITY[severity] },
    };
  });
  return sarifText(
    options,
    descriptors,
    sorted.map((finding) =>
      resultOf(
        finding,
        ruleIndex.get(driftRuleId(finding.source, finding.severity)) ?? -1,
        options.unlocatedFile,
      ),
    ),
    DRIFT_SARIF_CATEGORY,
  );
}

/**
 * What decides whether code scanning needs a new drift log: the log of the findings without
 * the time each was last seen, which every sweep moves while the alerts stay the same. Its
 * digest is kept from upload to upload, so that a sweep over unchanged drift sends nothing.
 */
export function driftSarifContent(
  findings: readonly DriftFinding[],
  options: DriftSarifOptions,
): string {
  return formatDriftSarif(
    findings.map((finding) => ({ ...finding, lastSeen: finding.firstSeen })),
    options,
  );
}
