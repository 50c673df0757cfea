import type { Json } from '../governance/governance-model.ts';
import { compareStrings } from '../issues/issue.ts';
import type { DriftFinding, DriftSeverity } from './drift-finding.ts';

/** The label drift issues carry, so they are listed without searching titles. */
export const DRIFT_LABEL = 'infrastream-drift';

/** What a drift issue's hidden marker says: whose issue it is, and what it last listed. */
export interface DriftMarker {
  /** The workspace, or `null` for the repository's own findings (its branch protection). */
  readonly workspace: string | null;
  /** The digest of the findings the body lists, from {@link driftIssueContent}. */
  readonly digest: string;
}

const MARKER =
  /<!-- infrastream-drift:(?:workspace=([^\s]+)|(repository)) digest=([0-9a-f]{64}) -->/;
/** GitHub refuses issue bodies longer than this. */
const MAX_BODY = 65_536;
/** Room kept for the marker and the closing line when the list is cut. */
const BODY_RESERVE = 1_024;
const MAX_VALUE = 300;
const SEVERITIES: readonly DriftSeverity[] = ['critical', 'high', 'medium', 'low'];

/** The marker a drift issue's body starts with: HTML comment, so readers do not see it. */
export function driftMarker(marker: DriftMarker): string {
  const whose =
    marker.workspace === null ? 'repository' : `workspace=${encodeURIComponent(marker.workspace)}`;
  return `<!-- infrastream-drift:${whose} digest=${marker.digest} -->`;
}

/** The marker in an issue body, or undefined when the issue is no drift issue. */
export function parseDriftMarker(body: string | null | undefined): DriftMarker | undefined {
  const match = MARKER.exec(body ?? '');
  if (match === null) return undefined;
  let workspace: string | null = null;
  if (match[2] === undefined) {
    try {
      workspace = decodeURIComponent(match[1] ?? '');
    } catch {
      return undefined;
    }
  }
  return { workspace, digest: match[3] ?? '' };
}

/** The title of a workspace's drift issue. */
export function driftIssueTitle(workspace: string | null): string {
  return workspace === null ? 'Drift: repository governance' : `Drift: workspace ${workspace}`;
}

/**
 * What a drift issue shows, canonically: the text whose digest the marker holds. It leaves
 * out the times and the commit, which change every sweep, so an unchanged set of findings
 * gives the same text and the issue is not written again.
 */
export function driftIssueContent(findings: readonly DriftFinding[]): string {
  return JSON.stringify(
    findings
      .toSorted(bySeverity)
      .map((finding) => [
        finding.fingerprint,
        finding.severity,
        finding.summary,
        finding.attribute,
        finding.before,
        finding.after,
        finding.manifest ?? null,
        finding.acknowledged ?? null,
      ]),
  );
}

/** What the body of a drift issue is made of. */
export interface DriftIssueBodyInput {
  readonly workspace: string | null;
  readonly findings: readonly DriftFinding[];
  /** The digest of {@link driftIssueContent} of the findings. */
  readonly digest: string;
  /** `https://github.com/{owner}/{repo}/blob/{commit}`: manifest lines link under it. */
  readonly blobRoot: string;
}

/**
 * The Markdown body of a drift issue: the marker, the open findings by severity with a link
 * to the manifest line that declares each, before and after, and fingerprint, then the
 * acknowledged findings apart. Cut with a count of what was left out when GitHub's limit
 * on bodies would be passed.
 */
export function driftIssueBody(input: DriftIssueBodyInput): string {
  const sorted = input.findings.toSorted(bySeverity);
  const open = sorted.filter((finding) => finding.acknowledged === undefined);
  const acknowledged = sorted.filter((finding) => finding.acknowledged !== undefined);
  const subject = input.workspace === null ? 'the repository' : `workspace \`${input.workspace}\``;
  const head = [
    driftMarker({ workspace: input.workspace, digest: input.digest }),
    `The live state of ${subject} no longer matches what was applied: ` +
      `${open.length} open finding(s), ${acknowledged.length} acknowledged. ` +
      'Drift is reported, never reverted: fix the manifest, or apply the last applied commit again.',
  ];
  const sections: string[][] = [];
  for (const severity of SEVERITIES) {
    const some = open.filter((finding) => finding.severity === severity);
    if (some.length > 0)
      sections.push([`## ${severity} (${some.length})`, ...some.map((f) => item(f, input))]);
  }
  if (acknowledged.length > 0) {
    sections.push([
      `## Acknowledged (${acknowledged.length})`,
      ...acknowledged.map((finding) => item(finding, input)),
    ]);
  }
  let body = head.join('\n\n');
  let left = sections.reduce((count, section) => count + section.length - 1, 0);
  for (const [title, ...items] of sections) {
    body += `\n\n${title}\n`;
    for (const line of items) {
      if (body.length + line.length + 1 > MAX_BODY - BODY_RESERVE) {
        return `${body}\n…and ${left} more finding(s) not shown.\n`;
      }
      body += `\n${line}`;
      left -= 1;
    }
  }
  return `${body}\n`;
}

function item(finding: DriftFinding, input: DriftIssueBodyInput): string {
  const manifest = finding.manifest;
  const where =
    manifest === undefined
      ? ''
      : ` ([${manifest.file}:${manifest.line}](${input.blobRoot}/${manifest.file
          .split('/')
          .map(encodeURIComponent)
          .join('/')}#L${manifest.line}))`;
  const subject = finding.address ?? finding.asset;
  const lines = [
    `- **${oneLine(finding.summary)}**${where}`,
    `  ${subject === undefined ? '' : `${code(subject)} `}${code(finding.attribute)}: ${code(value(finding.before))} → ${code(value(finding.after))}`,
    `  fingerprint ${code(finding.fingerprint)}, first seen ${finding.firstSeen}`,
  ];
  if (finding.acknowledged !== undefined) {
    lines.push(
      `  acknowledged until ${finding.acknowledged.expires}: ${oneLine(finding.acknowledged.reason)}`,
    );
  }
  return lines.join('\n');
}

function value(json: Json): string {
  const text = JSON.stringify(json);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** An inline code span that holds any text, backticks included. */
function code(text: string): string {
  const flat = oneLine(text);
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest === 0 ? `${fence}${flat}${fence}` : `${fence} ${flat} ${fence}`;
}

function bySeverity(a: DriftFinding, b: DriftFinding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    compareStrings(a.fingerprint, b.fingerprint)
  );
}
