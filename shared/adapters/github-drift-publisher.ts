import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import { driftSarifContent, formatDriftSarif } from '../core/drift/drift-sarif.ts';
import type { DriftPublication, DriftPublisher } from '../ports/drift-publisher.ts';
import type { DriftNotifyOutcome } from '../ports/drift-notifier.ts';
import type { RepositoryRef } from '../ports/repository-source.ts';
import { createGitHubDriftNotifier } from './github-drift-notifier.ts';
import { gitHubError } from './github-error.ts';
import { uploadSarif } from './github-sarif-upload.ts';

/** What the GitHub drift publisher needs. */
export interface GitHubDriftPublisherOptions {
  /** A client authenticated as the App installation (issues and security events write). */
  readonly octokit: Octokit;
  readonly repository: RepositoryRef;
  /** The commit the findings' manifest lines are in, 40 hex: the default branch's head as recorded. */
  readonly commit: string;
  /** The full ref code scanning files the log under; the default branch's when absent. */
  readonly ref?: string;
  /** The file findings no manifest declares are shown on: the Organization manifest. */
  readonly unlocatedFile: string;
  /** The version of infrastream, as the SARIF log names its tool. */
  readonly toolVersion: string;
  /** Where people read the repository, for the issues' links: `https://github.com` unless GitHub Enterprise Server. */
  readonly webUrl?: string;
  /** The pause between two issue writes (see the notifier); tests pass 0. */
  readonly writeIntervalMs?: number;
}

/** How one of the two channels went. */
interface ChannelOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Publishes a sweep to GitHub: the drift issues through the notifier (one per workspace with
 * open drift, written only when its findings changed), then the SARIF log to code scanning,
 * uploaded only when it differs from the one last uploaded (its digest, without the times
 * each finding was last seen, is kept on the sweep document). A sweep of one workspace
 * uploads no log: code scanning replaces the whole category, so the other workspaces' alerts
 * would close. Each channel's failure is reported apart and the other still runs.
 */
export function createGitHubDriftPublisher(options: GitHubDriftPublisherOptions): DriftPublisher {
  const { octokit, repository, commit } = options;
  const notifier = createGitHubDriftNotifier({
    octokit,
    ...(options.webUrl === undefined ? {} : { webUrl: options.webUrl }),
    ...(options.writeIntervalMs === undefined ? {} : { writeIntervalMs: options.writeIntervalMs }),
  });
  const sarifOptions = { toolVersion: options.toolVersion, unlocatedFile: options.unlocatedFile };
  return {
    async publish({ report, sarifDigest }): Promise<DriftPublication> {
      const workspace = report.sweep.workspace;
      const issues: ChannelOutcome = await notifier
        .notify({
          repository,
          commit,
          findings: report.findings,
          ...(workspace === undefined ? {} : { scope: [workspace] }),
        })
        .then(
          (outcome) => ({ ok: true, detail: describeIssues(outcome) }),
          (error: unknown) => ({
            ok: false,
            detail: `issues not brought up to date: ${firstLine(error)}`,
          }),
        );

      let sarif: ChannelOutcome;
      let digest = sarifDigest;
      if (workspace !== undefined) {
        sarif = {
          ok: true,
          detail:
            'no SARIF uploaded for a sweep of one workspace: it would close the others’ alerts',
        };
      } else {
        const next = createHash('sha256')
          .update(driftSarifContent(report.findings, sarifOptions))
          .digest('hex');
        if (next === sarifDigest) {
          sarif = { ok: true, detail: 'SARIF unchanged since the last upload' };
        } else {
          try {
            const ref = options.ref ?? (await defaultBranchRef(octokit, repository));
            const receipt = await uploadSarif(octokit, {
              repository,
              commit,
              ref,
              sarif: formatDriftSarif(report.findings, sarifOptions),
            });
            digest = next;
            sarif = { ok: true, detail: `SARIF uploaded to ${ref} (${receipt.id})` };
          } catch (error) {
            sarif = { ok: false, detail: `SARIF not uploaded: ${firstLine(error)}` };
          }
        }
      }
      const passed = [issues, sarif].filter((channel) => channel.ok).length;
      return {
        status: passed === 2 ? 'ok' : passed === 1 ? 'partial' : 'failed',
        detail: `${issues.detail}; ${sarif.detail}`,
        ...(digest === undefined ? {} : { sarifDigest: digest }),
      };
    },
  };
}

async function defaultBranchRef(octokit: Octokit, repository: RepositoryRef): Promise<string> {
  const { owner, name: repo } = repository;
  try {
    const { data } = await octokit.rest.repos.get({ owner, repo });
    return `refs/heads/${data.default_branch}`;
  } catch (error) {
    throw gitHubError(error, `reading the default branch of ${owner}/${repo}`);
  }
}

function describeIssues(outcome: DriftNotifyOutcome): string {
  const counts = (['created', 'edited', 'reopened', 'closed'] as const)
    .filter((change) => outcome[change].length > 0)
    .map((change) => `${outcome[change].length} ${change}`);
  return counts.length === 0 ? 'no drift issue changed' : `drift issues: ${counts.join(', ')}`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? '';
}
