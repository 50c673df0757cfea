import type { Log, Result } from 'sarif';
import type { DriftFinding } from './drift-finding.ts';
import type { DriftReport } from './drift-report.ts';

/** The key of `partialFingerprints` that names a drift finding across sweeps. */
export const DRIFT_FINGERPRINT_KEY = 'infrastream/drift/v1';

const levels = { critical: 'error', high: 'error', medium: 'warning', low: 'note' } as const;

/**
 * A SARIF 2.1.0 log of the open findings, for code scanning: one rule per source
 * (`drift/terraform`, …), each result at the manifest line that declares what drifted when
 * there is one, its fingerprint as the partial fingerprint, and an acknowledged finding
 * suppressed with the acknowledgement's reason.
 */
export function formatDriftSarif(report: DriftReport, toolVersion: string): string {
  const ruleIds = [...new Set(report.findings.map((finding) => `drift/${finding.source}`))].sort();
  const index = new Map(ruleIds.map((id, at) => [id, at]));
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'infrastream',
            version: toolVersion,
            rules: ruleIds.map((id) => ({
              id,
              shortDescription: {
                text: `What ${id.slice('drift/'.length)} holds differs from what was applied.`,
              },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: report.findings.map((finding) => resultOf(finding, index)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function resultOf(finding: DriftFinding, index: ReadonlyMap<string, number>): Result {
  const ruleId = `drift/${finding.source}`;
  const manifest = finding.manifest;
  return {
    ruleId,
    ruleIndex: index.get(ruleId) ?? -1,
    level: levels[finding.severity],
    message: { text: `${finding.severity}: ${finding.summary}` },
    locations:
      manifest === undefined
        ? []
        : [
            {
              physicalLocation: {
                artifactLocation: {
                  uri: manifest.file.split('/').map(encodeURIComponent).join('/'),
                  uriBaseId: '%SRCROOT%',
                },
                region: { startLine: manifest.line, startColumn: manifest.column },
              },
            },
          ],
    partialFingerprints: { [DRIFT_FINGERPRINT_KEY]: finding.fingerprint },
    properties: { severity: finding.severity, before: finding.before, after: finding.after },
    ...(finding.acknowledged === undefined
      ? {}
      : {
          suppressions: [
            {
              kind: 'external',
              justification: `${finding.acknowledged.reason} (until ${finding.acknowledged.expires})`,
            },
          ],
        }),
  };
}
