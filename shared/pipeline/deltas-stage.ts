import { BUILDS_TOPIC, buildRequests } from '../core/contracts/build-request-message.ts';
import {
  decodeCommitMessage,
  DESIRED_STATE_TOPIC,
  type CommitMessage,
} from '../core/contracts/commit-message.ts';
import { buildPlan, type Plan } from '../core/governance/build-plan.ts';
import { EMPTY_DESIRED_STATE } from '../core/governance/desired-state.ts';
import { canonical } from '../core/governance/plan.ts';
import type { Issue } from '../core/issues/issue.ts';
import { formatPlanText } from '../core/report/format-plan.ts';
import type { Annotation } from '../ports/commit-reporter.ts';
import type { DocumentWrite } from '../ports/document-store.ts';
import type { LoadedRevision } from './revision-loader.ts';
import { acceptedRevision } from './accepted-revision.ts';
import { finishEarlierApplyChecks, reportApplyCheck } from './apply-check.ts';
import { governedState, toData, type RepositoryState } from './repository-state.ts';
import { rejectedMessage, TransientError, type PipelinePorts, type Stage } from './stage.ts';
import {
  storedIssue,
  type CommitDocument,
  type DeltasStage,
  type PlanRefusal,
  type PlanStage,
  type RepositoryDocument,
} from './state-documents.ts';

/** The check a commit's plan is reported as. */
export const PLAN_CHECK = 'infrastream/plan';

/**
 * A workspace plan larger than this is stored as counts only. A push's own change fits many
 * times over; a first push's plans (every resource created, 14 MB for 10,000 manifests)
 * would double what it writes, for what the check run and `infrastream plan` show anyway.
 */
const STORED_PLAN_LIMIT = 16 * 1024;
/**
 * What the workspaces may take of the plan check's summary: GitHub takes 65,535 characters,
 * and the summary line and CODEOWNERS come after them. A first push's plan is megabytes.
 */
const PLAN_SUMMARY_WORKSPACES = 48 * 1024;

/**
 * The deltas stage: compares the commit's governance (CODEOWNERS, IAM, firewall, egress,
 * resources) with the revision before it and hands each affected workspace to builds.
 * A workspace the change cannot reach is neither compiled nor built. It commits the
 * regenerated CODEOWNERS when it differs, and reports the plan on the commit. A plan with
 * errors (data loss its declarations do not allow) refuses the whole revision: its check
 * fails and no workspace of it is built, and the revisions after it are planned against the
 * last accepted one. For another branch it only reports the plan against that same revision.
 */
export function createDeltasStage(
  ports: Pick<
    PipelinePorts,
    | 'store'
    | 'publisher'
    | 'revisions'
    | 'reporter'
    | 'codeOwners'
    | 'clock'
    | 'apply'
    | 'repository'
  >,
): Stage {
  return async (data) => {
    const decoded = decodeCommitMessage(data);
    if (!decoded.ok) return rejectedMessage(DESIRED_STATE_TOPIC, decoded.issues);
    const message = decoded.message;
    const state = governedState(ports, message.repository);
    // Read together: record marks the commit and ends `recording` in one transaction.
    const [repository, stored] = await state.repositoryAndCommit(message.commit);
    // All of a revision's messages at once: the client sends them together.
    const requestBuilds = async (workspaces: readonly string[], sequence: number) => {
      const { snapshot } = message;
      const requests = buildRequests(
        {
          repository: message.repository,
          commit: message.commit,
          sequence,
          apply: ports.apply,
          ...(snapshot === undefined ? {} : { snapshot }),
        },
        workspaces,
      );
      await Promise.all(requests.map((request) => ports.publisher.publish(BUILDS_TOPIC, request)));
    };

    if (message.action === 'plan') {
      if (stored?.stages.plan !== undefined)
        return { status: 'repeated', detail: 'planned before' };
      // As the next revision of the default branch would be: against the last one accepted.
      const base = await acceptedRevision(state, repository.current?.commit ?? null);
      const plan = await planBetween(ports, message, base);
      await ports.reporter.report(message.repository, message.commit, planReport(plan, false));
      const stage: PlanStage = {
        at: state.now(),
        base: plan.base,
        workspaces: plan.workspaces.map((workspace) => workspace.id),
        summary: { ...plan.summary },
      };
      await state.updateCommit(message.commit, (commit) => ({
        ...(commit ?? missingCommit(message, state.now())),
        stages: { ...commit?.stages, plan: stage },
      }));
      return { status: 'done', detail: `planned against ${plan.base ?? 'nothing'}` };
    }

    const revision = recordedRevision(stored, repository, message.commit);
    if (revision === undefined) {
      // Record hands on as soon as it has taken the revision's number: a message for a commit
      // neither recorded nor being recorded can only have overtaken that, and is retried.
      throw new TransientError(`commit ${message.commit} is not recorded`);
    }
    const { sequence, previous } = revision;
    // Done for this revision; a commit recorded again (a forced push back) is compared anew.
    const done = stored?.stages.deltas;
    if (done !== undefined && done.sequence === sequence) {
      await requestBuilds(done.workspaces, sequence);
      await reportApplyCheck(
        ports,
        message.repository,
        message.commit,
        `deltas ${message.delivery}`,
      );
      return { status: 'repeated', detail: `${done.workspaces.length} builds requested again` };
    }

    // Never against a refused revision: nothing of it was applied (see `acceptedRevision`).
    const base = await acceptedRevision(state, previous);
    const plan = await planBetween(ports, message, base);
    const head = await ports.revisions.load(message.repository, message.commit, {
      snapshot: message.snapshot,
    });
    const refused = planRefusal(plan);
    // The whole revision, not only the workspaces that lose data: its other changes may
    // depend on the refused one, and the author fixes the revision as a whole.
    const workspaces =
      refused === undefined ? plan.workspaces.map((workspace) => workspace.id) : [];
    const at = state.now();
    // Each of these may happen again, harmlessly, so they all happen before the stage is
    // marked done: a crash in between requests builds that are running, reports again (which
    // replaces the check), finds CODEOWNERS committed and writes the same deltas. The builds
    // go first, on their own: preparing a large push's deltas would hold their messages back.
    await requestBuilds(workspaces, sequence);
    const [codeowners] = await Promise.all([
      commitCodeowners(ports, message, head),
      ports.reporter.report(message.repository, message.commit, planReport(plan, true)),
      ports.store.write(deltaWrites(state, message.commit, sequence, plan)),
    ]);
    const stage: DeltasStage = {
      at,
      sequence,
      workspaces,
      codeowners,
      summary: { ...plan.summary },
      apply: ports.apply,
      base,
      ...(refused === undefined ? {} : { refused }),
    };
    await state.updateCommit(
      message.commit,
      (commit) => ({
        ...(commit ?? missingCommit(message, state.now())),
        stages: { ...commit?.stages, deltas: stage },
      }),
      (transaction) => {
        state.event(transaction, `deltas ${message.commit}`, {
          at,
          type: 'deltas-computed',
          commit: message.commit,
          delivery: message.delivery,
          actor: message.pusher,
          message: `${refused === undefined ? `${workspaces.length} workspaces affected` : refused.reason}; CODEOWNERS ${codeowners}; IAM +${plan.summary.iamAdd} -${plan.summary.iamRemove}${base === previous ? '' : `; planned against ${base?.slice(0, 7) ?? 'nothing'}, the last revision accepted`}`,
        });
      },
    );
    // After the stage is recorded: the check lists the workspaces it names.
    await reportApplyCheck(ports, message.repository, message.commit, `deltas ${message.delivery}`);
    // An earlier revision's check may have been left dirty with no notification to come.
    await finishEarlierApplyChecks(
      ports,
      message.repository,
      sequence,
      `deltas ${message.delivery}`,
    );
    return {
      status: 'done',
      detail: refused === undefined ? `${workspaces.length} workspaces affected` : refused.reason,
    };
  };
}

/** Why the plan refuses its revision, when it holds errors. */
function planRefusal(plan: Plan): PlanRefusal | undefined {
  const errors = planErrors(plan);
  if (errors.length === 0) return undefined;
  return {
    reason: `refused, nothing applied: the change loses data its declarations do not allow (${errors.length} errors)`,
    issues: errors.map(storedIssue),
  };
}

function planErrors(plan: Plan): Issue[] {
  return plan.issues.filter((issue) => issue.severity === 'error');
}

/**
 * The revision a commit is: from the repository's `recording` while record writes its
 * documents (deltas need only its number and the revision before, not the documents), or
 * from its record stage once recorded. `recording` comes first: a forced push back to a
 * commit recorded before is being recorded again, under a new number.
 */
function recordedRevision(
  commit: CommitDocument | undefined,
  repository: RepositoryDocument,
  sha: string,
): { readonly sequence: number; readonly previous: string | null } | undefined {
  const recording = repository.recording;
  if (recording?.commit === sha) {
    return { sequence: recording.sequence, previous: recording.previous?.commit ?? null };
  }
  const recorded = commit?.stages.record;
  if (recorded?.status === 'recorded' && recorded.sequence !== undefined) {
    return { sequence: recorded.sequence, previous: recorded.previous ?? null };
  }
  return undefined;
}

async function planBetween(
  ports: Pick<PipelinePorts, 'revisions'>,
  message: CommitMessage,
  baseCommit: string | null,
): Promise<Plan> {
  const head = await ports.revisions.load(message.repository, message.commit, {
    snapshot: message.snapshot,
  });
  // No message names the snapshot of the revision before: a cold instance parses it.
  const base =
    baseCommit === null ? undefined : await ports.revisions.load(message.repository, baseCommit);
  const headModel = ports.revisions.model(head, base);
  if (base === undefined) {
    return buildPlan(
      { label: null, state: EMPTY_DESIRED_STATE },
      { label: message.commit, state: head.analysis.state, model: headModel },
    );
  }
  return buildPlan(
    { label: base.commit, state: base.analysis.state, model: ports.revisions.model(base) },
    { label: message.commit, state: head.analysis.state, model: headModel },
  );
}

async function commitCodeowners(
  ports: Pick<PipelinePorts, 'codeOwners'>,
  message: CommitMessage,
  head: LoadedRevision,
): Promise<DeltasStage['codeowners']> {
  const computed = head.analysis.codeowners.text;
  if (head.codeownersFile === computed) return 'unchanged';
  const result = await ports.codeOwners.write({
    repository: message.repository,
    branch: message.ref.slice('refs/heads/'.length),
    parent: message.commit,
    content: computed,
    message: 'Regenerate CODEOWNERS from the manifests',
  });
  return result.status;
}

function deltaWrites(
  state: RepositoryState,
  commit: string,
  sequence: number,
  plan: Plan,
): DocumentWrite[] {
  return plan.workspaces.map((workspace) => {
    const full = canonical(workspace) ?? '';
    return {
      kind: 'set',
      path: state.paths.delta(commit, workspace.id),
      data: toData({
        workspace: workspace.id,
        commit,
        sequence,
        // A replacement destroys and creates, and is counted as both, as the plan's summary does.
        create: workspace.create.length + workspace.replace.length,
        replace: workspace.replace.length,
        update: workspace.update.length,
        destroy: workspace.destroy.length + workspace.replace.length,
        iamAdd: workspace.iam.add.length,
        iamRemove: workspace.iam.remove.length,
        firewall:
          workspace.firewall.add.length +
          workspace.firewall.remove.length +
          workspace.firewall.update.length,
        egress: workspace.egress.add.length + workspace.egress.remove.length,
        ...(full.length <= STORED_PLAN_LIMIT ? { plan: JSON.parse(full) as unknown } : {}),
      }),
    };
  });
}

function planReport(plan: Plan, applying: boolean) {
  const { summary } = plan;
  const changes = `${summary.workspaces} workspaces: ${summary.create} to create, ${summary.update} to change, ${summary.destroy} to destroy; IAM +${summary.iamAdd} -${summary.iamRemove}`;
  // A valid commit's plan can still fail: the data loss it refuses is only seen against the
  // revision before. Those errors are listed first, where GitHub's shortening spares them.
  const errors = planErrors(plan);
  const refused = errors.length > 0;
  return {
    name: PLAN_CHECK,
    conclusion: refused ? ('failure' as const) : ('success' as const),
    title: refused
      ? `Plan refused: ${errors.length} errors, data loss not allowed; ${changes}`
      : applying
        ? `Plan: ${changes}; applying (infrastream/apply)`
        : `Plan (not applied): ${changes}`,
    summary:
      errors
        .map(
          (issue) =>
            `- \`${issue.file}:${issue.line}:${issue.column}\` ${issue.rule}: ${issue.message}\n`,
        )
        .join('') +
      (refused ? '\n' : '') +
      '```\n' +
      formatPlanText(plan, { color: false, maxWorkspaceLength: PLAN_SUMMARY_WORKSPACES }) +
      '```',
    annotations: errors.map((issue): Annotation => ({
      path: issue.file,
      line: issue.line,
      column: issue.column,
      level: 'failure',
      title: issue.rule,
      message: issue.message,
    })),
  };
}

function missingCommit(message: CommitMessage, now: string) {
  return {
    commit: message.commit,
    ref: message.ref,
    delivery: message.delivery,
    pusher: message.pusher,
    receivedAt: now,
    issues: [],
    issueCount: 0,
    stages: {},
  };
}
