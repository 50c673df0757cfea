import type { Location, Log, Region, ReportingDescriptor, Result } from 'sarif';
import { compareIssues, compareStrings, type Issue } from '../issues/issue.ts';
import { rules, type RuleId } from '../issues/rules.ts';
import type { ValidationReport } from './validation-report.ts';

/** What SARIF says about the tool itself. */
export interface SarifOptions {
  readonly toolVersion: string;
  readonly informationUri?: string;
}

/** The key of {@link Result.partialFingerprints} that identifies an issue across commits. */
export const fingerprintKey = 'infrastream/v1';

/**
 * A repository path as a relative URI reference. Each segment is percent-encoded, because
 * SARIF wants URIs and because a `:` in the first segment would otherwise read as a scheme.
 */
export function toUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * The region of an issue. SARIF end columns are exclusive, like ours; a single-line region
 * must be at least one column wide, and a region without an end column runs to the end of
 * its end line, which is what an issue that spans lines without an end column means.
 */
function regionOf(issue: Issue): Region {
  const endLine = Math.max(issue.line, issue.endLine ?? issue.line);
  const start = { startLine: issue.line, startColumn: issue.column, endLine };
  if (endLine === issue.line) {
    return { ...start, endColumn: Math.max(issue.column + 1, issue.endColumn ?? 0) };
  }
  return issue.endColumn === undefined ? start : { ...start, endColumn: issue.endColumn };
}

function locationOf(file: string, region: Region): Location {
  return {
    physicalLocation: { artifactLocation: { uri: toUri(file), uriBaseId: '%SRCROOT%' }, region },
  };
}

function resultOf(issue: Issue, ruleIndex: number): Result {
  const result: Result = {
    ruleId: issue.rule,
    ruleIndex,
    level: issue.severity,
    message: { text: issue.message },
    locations: [locationOf(issue.file, regionOf(issue))],
    // A hash-free key that survives edits elsewhere in the file, unlike line numbers.
    partialFingerprints: { [fingerprintKey]: `${issue.rule}|${issue.file}|${issue.pointer}` },
  };
  if (issue.related === undefined || issue.related.length === 0) return result;
  const relatedLocations = issue.related.map((related, id) => ({
    id,
    ...locationOf(related.file, { startLine: related.line, startColumn: related.column }),
    message: { text: related.message },
  }));
  return { ...result, relatedLocations };
}

/**
 * A SARIF 2.1.0 log for GitHub code scanning: one run of the `infrastream` driver whose
 * rules are only those that issues use, sorted by id, with results sorted with
 * {@link compareIssues}. File paths are relative to `%SRCROOT%`, the repository root, and
 * columns count UTF-16 code units. The result ends with a newline.
 */
export function formatSarif(report: ValidationReport, options: SarifOptions): string {
  const issues = report.issues.toSorted(compareIssues);
  const ruleIds = [...new Set<RuleId>(issues.map((issue) => issue.rule))].sort(compareStrings);
  const ruleIndex = new Map(ruleIds.map((id, index) => [id, index]));
  const descriptors: ReportingDescriptor[] = ruleIds.map((id) => ({
    id,
    shortDescription: { text: rules[id].summary },
    defaultConfiguration: { level: rules[id].severity },
  }));
  return sarifText(
    options,
    descriptors,
    issues.map((issue) => resultOf(issue, ruleIndex.get(issue.rule) ?? -1)),
  );
}

/**
 * One run of the `infrastream` driver as a SARIF 2.1.0 log's text, ending with a newline;
 * `category`, when given, is the run's code scanning category (`automationDetails.id`).
 */
export function sarifText(
  options: SarifOptions,
  rules: ReportingDescriptor[],
  results: Result[],
  category?: string,
): string {
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'infrastream',
            version: options.toolVersion,
            ...(options.informationUri === undefined
              ? {}
              : { informationUri: options.informationUri }),
            rules,
          },
        },
        ...(category === undefined ? {} : { automationDetails: { id: category } }),
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
