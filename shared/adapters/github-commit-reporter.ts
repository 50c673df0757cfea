import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import type { Annotation, CommitReport, CommitReporter } from '../ports/commit-reporter.ts';
import type { RepositoryRef } from '../ports/repository-source.ts';
import { gitHubError } from './github-error.ts';

/** What the GitHub commit reporter needs. */
export interface GitHubCommitReporterOptions {
  /** A client authenticated as the App installation, with checks write permission. */
  readonly octokit: Octokit;
  /** The App's id: only its own check runs are found and updated (GitHub refuses others). */
  readonly appId: number;
}

/** GitHub's limits on check runs (REST "Create a check run"). */
const MAX_ANNOTATIONS_PER_REQUEST = 50;
const MAX_SUMMARY = 65_535;
const MAX_TITLE = 255;
/** Annotation messages may be 64 KB; three UTF-8 bytes per UTF-16 unit at most fit below it. */
const MAX_MESSAGE = 21_000;
const OBJECT_ID = /^[0-9a-f]{40}$/;

type GitHubAnnotation = {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title?: string;
  message: string;
};

/**
 * Publishes a report as a GitHub check run with annotations on the manifests.
 *
 * GitHub appends the annotations of every update to those a check run already has and
 * takes at most 50 per request. So a report's content is digested into the run's
 * `external_id`: a redelivered report finds its run and only sends the annotations GitHub
 * does not have yet (none, usually); a run without annotations is updated in place; and a
 * different report for a commit whose run already carries annotations gets a new run,
 * which GitHub shows instead of the older one, rather than a mix of both.
 */
export function createGitHubCommitReporter(options: GitHubCommitReporterOptions): CommitReporter {
  const { octokit, appId } = options;
  return {
    async report(repository: RepositoryRef, commit: string, report: CommitReport) {
      const owner = repository.owner;
      const repo = repository.name;
      if (!OBJECT_ID.test(commit)) {
        throw new Error(`check run: expected the commit as a 40-hex id, found "${commit}"`);
      }
      if (report.name.trim() === '') throw new Error('check run: the report has no name');
      const where = `reporting "${report.name}" on ${owner}/${repo} at ${commit}`;
      const call = async <T>(step: string, send: () => Promise<T>): Promise<T> => {
        try {
          return await send();
        } catch (error) {
          throw gitHubError(error, `${where}: ${step}`);
        }
      };

      const status = report.status ?? 'completed';
      // GitHub takes a conclusion only with `completed`, and sets one it is given to that.
      const conclusion = status === 'completed' ? report.conclusion : undefined;
      const title = clip(report.title.replace(/\s+/g, ' ').trim(), MAX_TITLE) || report.name;
      // GitHub requires both with any output.
      const summary = shorten(report.summary, MAX_SUMMARY) || title;
      const annotations = report.annotations.map((annotation, index) =>
        toGitHub(annotation, `${where}: annotations[${index}]`),
      );
      const digest = createHash('sha256')
        .update(
          JSON.stringify([
            status,
            conclusion,
            report.detailsUrl,
            title,
            summary,
            annotations,
            ...(report.actions === undefined ? [] : [report.actions]),
          ]),
        )
        .digest('hex');
      const output = (batch: readonly GitHubAnnotation[]) => ({
        title,
        summary,
        annotations: [...batch],
      });

      const { data } = await call('finding its check run', () =>
        octokit.rest.checks.listForRef({
          owner,
          repo,
          ref: commit,
          check_name: report.name,
          app_id: appId,
          filter: 'latest',
          per_page: 100,
        }),
      );
      const existing = data.check_runs
        .filter(
          (run) => run.name === report.name && run.head_sha === commit && run.app?.id === appId,
        )
        .sort((a, b) => b.id - a.id)[0];
      const stored = existing?.output.annotations_count ?? 0;

      let runId: number;
      /** How many annotations GitHub holds for this report; the rest are sent in batches. */
      let sent: number;
      if (existing !== undefined && existing.external_id === digest) {
        // The same report again: only what an interrupted attempt did not send yet.
        runId = existing.id;
        sent = Math.min(stored, annotations.length);
      } else {
        const fields = {
          owner,
          repo,
          name: report.name,
          external_id: digest,
          status,
          ...(conclusion === undefined ? {} : { conclusion }),
          ...(report.detailsUrl === undefined ? {} : { details_url: report.detailsUrl }),
          ...(report.actions === undefined
            ? {}
            : { actions: report.actions.map((action) => ({ ...action })) }),
          output: output(annotations.slice(0, MAX_ANNOTATIONS_PER_REQUEST)),
        };
        if (existing !== undefined && stored === 0) {
          runId = existing.id;
          await call('updating its check run', () =>
            octokit.rest.checks.update({ ...fields, check_run_id: existing.id }),
          );
        } else {
          const created = await call('creating its check run', () =>
            octokit.rest.checks.create({ ...fields, head_sha: commit }),
          );
          runId = created.data.id;
        }
        sent = Math.min(MAX_ANNOTATIONS_PER_REQUEST, annotations.length);
      }
      for (let start = sent; start < annotations.length; start += MAX_ANNOTATIONS_PER_REQUEST) {
        const batch = annotations.slice(start, start + MAX_ANNOTATIONS_PER_REQUEST);
        await call(
          `adding annotations ${start + 1}–${start + batch.length} of ${annotations.length}`,
          () =>
            octokit.rest.checks.update({ owner, repo, check_run_id: runId, output: output(batch) }),
        );
      }
    },
  };
}

function toGitHub(annotation: Annotation, where: string): GitHubAnnotation {
  const { path, line, column } = annotation;
  if (path === '' || path.startsWith('/')) {
    throw new Error(`${where}: expected a path relative to the repository root, found "${path}"`);
  }
  if (!Number.isSafeInteger(line) || line < 1) {
    throw new Error(`${where}: expected a line ≥ 1, found ${line}`);
  }
  if (column !== undefined && (!Number.isSafeInteger(column) || column < 1)) {
    throw new Error(`${where}: expected a column ≥ 1, found ${column}`);
  }
  return {
    path,
    start_line: line,
    end_line: line,
    // GitHub takes columns only on single-line annotations, which these are.
    ...(column === undefined ? {} : { start_column: column, end_column: column }),
    annotation_level: annotation.level,
    ...(annotation.title === '' ? {} : { title: clip(annotation.title, MAX_TITLE) }),
    // GitHub requires a message.
    message: shorten(
      annotation.message === '' ? annotation.title || '-' : annotation.message,
      MAX_MESSAGE,
    ),
  };
}

/** `text` cut to `limit` UTF-16 units with an ellipsis, never inside a surrogate pair. */
function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, cutBefore(text, limit - 1))}…`;
}

/** `text` cut to `limit` units at a line end where possible, saying that it was shortened. */
function shorten(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const note = `\n\n… shortened: ${text.length} characters do not fit GitHub's limit of ${limit}`;
  let end = cutBefore(text, limit - note.length);
  // A whole last line reads better than half of one, unless lines are very long.
  const lineEnd = text.lastIndexOf('\n', end - 1);
  if (lineEnd > end - 2_000 && lineEnd > 0) end = lineEnd;
  return `${text.slice(0, end)}${note}`;
}

/** The largest end ≤ `end` that does not separate a surrogate pair. */
function cutBefore(text: string, end: number): number {
  const last = text.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}
