import { MANIFESTS_TOPIC, type CommitMessage } from '../core/contracts/commit-message.ts';
import { decodePushMessage, PUSH_TOPIC } from '../core/contracts/push-message.ts';
import type { Issue } from '../core/issues/issue.ts';
import { classifyPush } from '../core/pipeline/classify-push.ts';
import {
  formatGovernedRepository,
  isGovernedRepository,
} from '../core/pipeline/governed-repository.ts';
import type { Annotation, CommitReport } from '../ports/commit-reporter.ts';
import { PLAN_CHECK } from './deltas-stage.ts';
import { governedState, type RepositoryState } from './repository-state.ts';
import { rejectedMessage, type PipelinePorts, type Stage } from './stage.ts';
import {
  ISSUES_PER_PAGE,
  STORED_ISSUES_LIMIT,
  type ParseStage,
  storedIssue,
  type StoredIssue,
} from './state-documents.ts';
import type { DocumentWrite } from '../ports/document-store.ts';

/** Warnings annotated on the files: one request's worth (GitHub takes 50 per request). */
const ANNOTATED_WARNINGS = 50;

/** The check a commit's validation is reported as. */
export const VALIDATE_CHECK = 'infrastream/validate';

/**
 * The parse stage: reads the whole tree at the pushed commit, validates every manifest and
 * policy rule, records the outcome on the commit and reports it where its author looks.
 * Only a valid commit goes on; tags and deleted branches are recorded and go nowhere. A push
 * of another repository than the governed one is refused, whoever published it: ingest
 * refuses those, and this check holds should one reach the bus another way.
 */
export function createParseStage(
  ports: Pick<
    PipelinePorts,
    'store' | 'publisher' | 'revisions' | 'reporter' | 'clock' | 'repository'
  >,
): Stage {
  return async (data) => {
    const decoded = decodePushMessage(data);
    if (!decoded.ok) return rejectedMessage(PUSH_TOPIC, decoded.issues);
    const push = decoded.message;
    if (!isGovernedRepository(ports.repository, push.repository)) {
      return {
        status: 'rejected',
        detail: `a push of ${formatGovernedRepository(push.repository)}, which is not the governed repository ${formatGovernedRepository(ports.repository)}`,
      };
    }
    const { id: _, ...repository } = push.repository;
    const state = governedState(ports, repository);
    const { action, reason } = classifyPush({
      ref: push.ref,
      deleted: push.deleted,
      repository: { default_branch: push.repository.defaultBranch },
    });
    if (action === 'record') {
      await state.recordEvent(`push ${push.delivery}`, {
        type: 'push-recorded',
        delivery: push.delivery,
        actor: push.pusher,
        message: `${push.ref} ${push.before.slice(0, 7)}..${push.after.slice(0, 7)}: ${reason}`,
      });
      return { status: 'skipped', detail: reason };
    }

    const commit = push.after;
    const next: CommitMessage = {
      version: 1,
      delivery: push.delivery,
      repository,
      ref: push.ref,
      commit,
      action,
      forced: push.forced,
      pusher: push.pusher,
    };
    // Read together: a redelivery wastes a load the next stages reuse; a new push (the usual
    // case) does not wait for the store before it starts reading the tree.
    // From the files: a commit parse has not seen has no snapshot yet.
    const loading = ports.revisions.load(repository, commit);
    const known = (await state.commit(commit))?.stages.parse;
    if (known !== undefined) {
      loading.catch(() => undefined);
      if (known.status === 'failed') return { status: 'skipped', detail: 'commit is invalid' };
      // Without the snapshot's key, which only the snapshot's encoding gives: record parses.
      await ports.publisher.publish(MANIFESTS_TOPIC, next);
      return { status: 'repeated', detail: 'commit was validated before' };
    }

    const revision = await loading;
    const { issues, files, manifestCount } = revision.analysis;
    const errors = issues.filter((issue) => issue.severity === 'error').length;
    const stage: ParseStage = {
      status: errors === 0 ? 'passed' : 'failed',
      at: state.now(),
      files,
      manifests: manifestCount,
      errors,
      warnings: issues.length - errors,
    };
    const kept = issues.map(storedIssue);
    const pages = issuePages(state, commit, kept);
    // The snapshot is written before the commit is handed on, so that the next stages find
    // it however soon they start, and its key goes in the message: only the pipeline can
    // publish one, while a key in the store could name bytes anyone with access wrote.
    const handOn = async () => {
      const snapshot = await ports.revisions.saveSnapshot(revision, state.now());
      await ports.publisher.publish(
        MANIFESTS_TOPIC,
        snapshot === undefined ? next : { ...next, snapshot },
      );
    };
    // Each of these may happen again, harmlessly, so they run side by side before the stage is
    // marked done: a crash in between reports again (which replaces the check rather than
    // adding one), writes the same snapshot and hands on again (which record answers as
    // repeated). Encoding the snapshot holds the thread: the requests go first.
    await Promise.all([
      ports.reporter.report(repository, commit, validationReport(stage, issues)),
      // Never planned, its plan check fails with the errors rather than never concluding.
      stage.status === 'failed'
        ? ports.reporter.report(repository, commit, unplannedReport(stage, issues))
        : undefined,
      pages.length > 0 ? ports.store.write(pages) : undefined,
      stage.status === 'passed' ? handOn() : undefined,
    ]);
    await state.updateCommit(
      commit,
      (stored) => ({
        commit,
        ref: stored?.ref ?? push.ref,
        delivery: stored?.delivery ?? push.delivery,
        pusher: stored?.pusher ?? push.pusher,
        receivedAt: stored?.receivedAt ?? state.now(),
        stages: { ...stored?.stages, parse: stage },
        issues: kept.slice(0, STORED_ISSUES_LIMIT),
        issueCount: issues.length,
      }),
      (transaction) => {
        state.event(transaction, `push ${push.delivery}`, {
          at: stage.at,
          type: 'push-validated',
          commit,
          delivery: push.delivery,
          actor: push.pusher,
          message: `${push.ref} at ${commit.slice(0, 7)}: ${manifestCount} manifests, ${errors} errors, ${stage.warnings} warnings`,
        });
      },
    );
    if (stage.status === 'failed') {
      return { status: 'done', detail: `${errors} errors: nothing is applied` };
    }
    return { status: 'done', detail: `${manifestCount} manifests valid` };
  };
}

/** Every issue is kept: what the commit document cannot hold goes to pages beside it. */
function issuePages(
  state: RepositoryState,
  commit: string,
  kept: readonly StoredIssue[],
): DocumentWrite[] {
  if (kept.length <= STORED_ISSUES_LIMIT) return [];
  const pages: DocumentWrite[] = [];
  for (let page = 0; page * ISSUES_PER_PAGE < kept.length; page++) {
    const issues = kept.slice(page * ISSUES_PER_PAGE, (page + 1) * ISSUES_PER_PAGE);
    pages.push({ kind: 'set', path: state.paths.issuePage(commit, page), data: { issues } });
  }
  return pages;
}

/** The plan check of a commit that is not planned because it has errors: the errors. */
function unplannedReport(stage: ParseStage, issues: readonly Issue[]): CommitReport {
  const errors = issues.filter((issue) => issue.severity === 'error');
  return {
    name: PLAN_CHECK,
    conclusion: 'failure',
    title: `Not planned: ${stage.errors} errors (see ${VALIDATE_CHECK})`,
    summary: errors
      .map(
        (issue) =>
          `- \`${issue.file}:${issue.line}:${issue.column}\` ${issue.rule}: ${issue.message}`,
      )
      .join('\n'),
    annotations: [],
  };
}

function validationReport(stage: ParseStage, issues: readonly Issue[]): CommitReport {
  const counts = `${stage.manifests} manifests, ${stage.errors} errors, ${stage.warnings} warnings`;
  // Every error is annotated: it is why nothing applies. Warnings repeat on every push of a
  // repository that has them, and each 50 annotations cost GitHub a request: a few show,
  // the summary counts the rest.
  let warnings = 0;
  const annotated = issues.filter(
    (issue) => issue.severity === 'error' || warnings++ < ANNOTATED_WARNINGS,
  );
  const unannotated = issues.length - annotated.length;
  return {
    name: VALIDATE_CHECK,
    conclusion: stage.status === 'passed' ? 'success' : 'failure',
    title: stage.status === 'passed' ? `Valid: ${counts}` : `Invalid, nothing applied: ${counts}`,
    summary:
      issues.length === 0
        ? `All ${stage.manifests} manifests are valid.`
        : [
            // First, so that it survives when the list is shortened to GitHub's limit.
            ...(unannotated === 0
              ? []
              : [
                  `${unannotated} more warnings are not annotated on the files; \`infrastream validate\` shows every issue.`,
                  '',
                ]),
            ...issues.map(
              (issue) =>
                `- \`${issue.file}:${issue.line}:${issue.column}\` ${issue.severity} ${issue.rule}: ${issue.message}`,
            ),
          ].join('\n'),
    annotations: annotated.map((issue): Annotation => ({
      path: issue.file,
      line: issue.line,
      column: issue.column,
      level: issue.severity === 'error' ? 'failure' : 'warning',
      title: issue.rule,
      message: issue.message,
    })),
  };
}
