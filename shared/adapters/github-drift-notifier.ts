import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Octokit } from '@octokit/rest';
import type { DriftFinding } from '../core/drift/drift-finding.ts';
import {
  DRIFT_LABEL,
  driftIssueBody,
  driftIssueContent,
  driftIssueTitle,
  parseDriftMarker,
} from '../core/drift/drift-issue.ts';
import type { DriftNotice, DriftNotifier, DriftNotifyOutcome } from '../ports/drift-notifier.ts';
import { gitHubError } from './github-error.ts';

/** What the GitHub drift notifier needs. */
export interface GitHubDriftNotifierOptions {
  /** A client authenticated as the App installation, with issues write permission. */
  readonly octokit: Octokit;
  /** Where people read the repository, for links to manifest lines: `https://github.com` unless GitHub Enterprise Server. */
  readonly webUrl?: string;
  /**
   * The pause between two writes. GitHub's secondary rate limits punish bursts of content
   * creation and ask for a second between writes; tests pass 0.
   */
  readonly writeIntervalMs?: number;
}

const OBJECT_ID = /^[0-9a-f]{40}$/;
const DEFAULT_WRITE_INTERVAL_MS = 1_000;

/** A drift issue as the listing shows it, with its marker read. */
interface DriftIssue {
  readonly number: number;
  readonly state: string;
  readonly workspace: string | null;
  readonly digest: string;
}

/**
 * Keeps one GitHub issue per workspace with open drift, found again by its label and the
 * marker in its body (never by title, which people edit): created on first sight, edited
 * only when the digest of its findings changed, closed with a comment when they resolve,
 * reopened when drift returns. A sweep that changes nothing reads one listing and writes
 * nothing; writes go one at a time, apart, as GitHub asks of integrations.
 */
export function createGitHubDriftNotifier(options: GitHubDriftNotifierOptions): DriftNotifier {
  const { octokit } = options;
  const webUrl = (options.webUrl ?? 'https://github.com').replace(/\/+$/, '');
  const interval = options.writeIntervalMs ?? DEFAULT_WRITE_INTERVAL_MS;
  return {
    async notify(sweep: DriftNotice): Promise<DriftNotifyOutcome> {
      const owner = sweep.repository.owner;
      const repo = sweep.repository.name;
      if (!OBJECT_ID.test(sweep.commit)) {
        throw new Error(
          `drift issues: expected the commit as a 40-hex id, found "${sweep.commit}"`,
        );
      }
      const where = `drift issues of ${owner}/${repo}`;
      let writes = 0;
      const write = async <T>(step: string, send: () => Promise<T>): Promise<T> => {
        if (writes > 0 && interval > 0) await sleep(interval);
        writes += 1;
        try {
          return await send();
        } catch (error) {
          throw gitHubError(error, `${where}: ${step}`);
        }
      };

      const groups = new Map<string | null, DriftFinding[]>();
      for (const finding of sweep.findings) {
        const key = finding.workspace ?? null;
        groups.set(key, [...(groups.get(key) ?? []), finding]);
      }
      const issues = await driftIssues(octokit, owner, repo).catch((error: unknown) => {
        throw gitHubError(error, `${where}: listing the issues labelled ${DRIFT_LABEL}`);
      });
      const scope = sweep.scope === undefined ? undefined : new Set(sweep.scope);
      const keys = [...new Set([...groups.keys(), ...issues.keys()])].sort(compareKeys);
      const outcome = { created: [], edited: [], reopened: [], closed: [] } as {
        created: (string | null)[];
        edited: (string | null)[];
        reopened: (string | null)[];
        closed: (string | null)[];
      };
      const blobRoot = `${webUrl}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/blob/${sweep.commit}`;

      for (const key of keys) {
        const findings = groups.get(key) ?? [];
        const issue = issues.get(key);
        const label = key === null ? 'the repository' : `workspace ${key}`;
        if (!findings.some((finding) => finding.acknowledged === undefined)) {
          const inScope = scope === undefined || scope.has(key) || groups.has(key);
          if (issue === undefined || issue.state !== 'open' || !inScope) continue;
          const why =
            findings.length === 0
              ? `No drift remains in ${label} as of ${sweep.commit}.`
              : `The drift that remains in ${label} is acknowledged in the repository.`;
          await write(`commenting on issue #${issue.number}`, () =>
            octokit.rest.issues.createComment({
              owner,
              repo,
              issue_number: issue.number,
              body: why,
            }),
          );
          await write(`closing issue #${issue.number}`, () =>
            octokit.rest.issues.update({
              owner,
              repo,
              issue_number: issue.number,
              state: 'closed',
              state_reason: 'completed',
            }),
          );
          outcome.closed.push(key);
          continue;
        }
        const digest = createHash('sha256').update(driftIssueContent(findings)).digest('hex');
        const body = driftIssueBody({ workspace: key, findings, digest, blobRoot });
        const title = driftIssueTitle(key);
        if (issue === undefined) {
          const { data } = await write(`creating the issue of ${label}`, () =>
            octokit.rest.issues.create({ owner, repo, title, body, labels: [DRIFT_LABEL] }),
          );
          // GitHub drops the labels of a new issue, silently, without push access; unlabelled,
          // the issue would not be found again and every sweep would make another.
          const labelled = data.labels.some(
            (held) => (typeof held === 'string' ? held : held.name) === DRIFT_LABEL,
          );
          if (!labelled) {
            throw new Error(
              `${where}: GitHub dropped the ${DRIFT_LABEL} label of issue #${data.number}; ` +
                'the App needs push access (Contents: write) to label issues',
            );
          }
          outcome.created.push(key);
        } else if (issue.state !== 'open') {
          await write(`reopening issue #${issue.number}`, () =>
            octokit.rest.issues.update({
              owner,
              repo,
              issue_number: issue.number,
              title,
              body,
              state: 'open',
            }),
          );
          outcome.reopened.push(key);
        } else if (issue.digest !== digest) {
          await write(`editing issue #${issue.number}`, () =>
            octokit.rest.issues.update({ owner, repo, issue_number: issue.number, body }),
          );
          outcome.edited.push(key);
        }
      }
      return outcome;
    },
  };
}

/**
 * Every drift issue by workspace, paged through. When people made several for one
 * workspace, the open one wins, then the oldest, so the choice holds from sweep to sweep.
 */
async function driftIssues(
  octokit: Octokit,
  owner: string,
  repo: string,
): Promise<Map<string | null, DriftIssue>> {
  const listed = await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner,
    repo,
    labels: DRIFT_LABEL,
    state: 'all',
    per_page: 100,
  });
  const found = new Map<string | null, DriftIssue>();
  for (const issue of listed) {
    // The issues listing holds pull requests too.
    if (issue.pull_request !== undefined) continue;
    const marker = parseDriftMarker(issue.body);
    if (marker === undefined) continue;
    const candidate: DriftIssue = { number: issue.number, state: issue.state, ...marker };
    const held = found.get(marker.workspace);
    if (held === undefined || rank(candidate) < rank(held)) found.set(marker.workspace, candidate);
  }
  return found;
}

function rank(issue: DriftIssue): number {
  return (issue.state === 'open' ? 0 : Number.MAX_SAFE_INTEGER / 2) + issue.number;
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
