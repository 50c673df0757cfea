import {
  decodePullRequestMessage,
  PULL_REQUESTS_TOPIC,
  type BaseMovedMessage,
  type PullRequestMessage,
} from '../core/contracts/pull-request-message.ts';
import { buildPlan } from '../core/governance/build-plan.ts';
import { consentApprovers } from '../core/governance/consent-approvers.ts';
import { evaluateConsent } from '../core/governance/evaluate-consent.ts';
import {
  formatGovernedRepository,
  isGovernedRepository,
} from '../core/pipeline/governed-repository.ts';
import type { CommitReport } from '../ports/commit-reporter.ts';
import type { PullRequests, PullRequestState } from '../ports/pull-requests.ts';
import type { RepositoryRef } from '../ports/repository-source.ts';
import {
  rejectedMessage,
  TransientError,
  type PipelinePorts,
  type Stage,
  type StageOutcome,
} from './stage.ts';

/** The check a pull request's consent is reported as, on its head commit. */
export const CONSENT_CHECK = 'infrastream/consent';

/** Evaluations of one message before it is retried rather than chased further. */
const MAX_EVALUATIONS = 5;

/**
 * Open pull requests evaluated again when the default branch moves, at most: three of
 * GitHub's pages. The others are evaluated on their next event, and the stage says so.
 */
export const MAX_REEVALUATED = 300;

/**
 * The consent stage: for a pull request of the governed repository, plans its head against
 * where it forks from the default branch, and reports on the head commit whether the owners
 * of every scope the plan asks consent of approved it (`evaluateConsent`). Who may approve
 * comes from the people and groups of the default branch as it now is, never the head's, so
 * a pull request cannot make its own approvers; when the default branch moves, every open
 * pull request into it is evaluated again.
 *
 * Two events of one pull request may be evaluated at once and report out of order. So after
 * reporting, the stage reads the pull request again and evaluates again when it changed:
 * the last report of a head is always one whose evaluation read the pull request as it
 * still was after reporting.
 */
export function createConsentStage(
  ports: Pick<
    PipelinePorts,
    'repository' | 'revisions' | 'reporter' | 'pullRequests' | 'publisher'
  >,
): Stage {
  return async (data) => {
    const decoded = decodePullRequestMessage(data);
    if (!decoded.ok) return rejectedMessage(PULL_REQUESTS_TOPIC, decoded.issues);
    const message = decoded.message;
    if (!isGovernedRepository(ports.repository, message.repository)) {
      return {
        status: 'rejected',
        detail: `a pull request of ${formatGovernedRepository(message.repository)}, which is not the governed repository ${formatGovernedRepository(ports.repository)}`,
      };
    }
    const reader = ports.pullRequests;
    if (reader === undefined) {
      return { status: 'skipped', detail: 'this pipeline reads no pull requests' };
    }
    if (!('number' in message)) return reevaluateOpenPullRequests(ports, reader, message);
    const { id: _, ...repository } = message.repository;
    let pull = await reader.read(message.repository, message.number);
    for (let evaluation = 1; evaluation <= MAX_EVALUATIONS; evaluation++) {
      if (pull.state !== 'open') {
        return { status: 'skipped', detail: `pull request #${message.number} is closed` };
      }
      // The check is the head commit's, whichever pull request reported it last: only a pull
      // request into the default branch, whose protection requires the check, may report it.
      // Another, from the same head into a branch of the author's, would plan a smaller change.
      if (pull.baseBranch !== message.repository.defaultBranch) {
        return {
          status: 'skipped',
          detail: `pull request #${message.number} merges into ${pull.baseBranch}, not the default branch ${message.repository.defaultBranch}`,
        };
      }
      const report = await consentReport(ports, repository, pull);
      await ports.reporter.report(repository, pull.head, report);
      const now = await reader.read(message.repository, message.number);
      if (sameReview(now, pull)) {
        return {
          status: 'done',
          detail: `#${message.number} at ${pull.head.slice(0, 7)}: ${report.conclusion}, ${report.title}`,
        };
      }
      pull = now;
    }
    throw new TransientError(
      `pull request #${message.number} changed during each of ${MAX_EVALUATIONS} evaluations`,
    );
  };
}

/**
 * The default branch moved: who may approve is read from it, so every open pull request into
 * it is evaluated again, each as a message of its own (retried on its own), but the one
 * whose head is the pushed commit (merged, or pushed to both).
 */
async function reevaluateOpenPullRequests(
  ports: Pick<PipelinePorts, 'publisher'>,
  reader: PullRequests,
  message: BaseMovedMessage,
): Promise<StageOutcome> {
  const branch = message.repository.defaultBranch;
  const open = await reader.listOpen(message.repository, branch, MAX_REEVALUATED);
  const numbers = open.pulls
    .filter((pull) => pull.head !== message.pushed)
    .map((pull) => pull.number);
  await Promise.all(
    numbers.map((number) =>
      ports.publisher.publish(PULL_REQUESTS_TOPIC, {
        version: 1,
        delivery: message.delivery,
        repository: message.repository,
        number,
        event: `${message.event}: ${branch} moved to ${message.pushed.slice(0, 7)}`,
      } satisfies PullRequestMessage),
    ),
  );
  const which = numbers.length === 0 ? '' : ` (#${numbers.join(', #')})`;
  return {
    status: 'done',
    detail: open.complete
      ? `${numbers.length} open pull requests into ${branch} evaluated again${which}`
      : `${numbers.length} of more than ${MAX_REEVALUATED} open pull requests into ${branch} evaluated again${which}: the others are evaluated on their next event`,
  };
}

async function consentReport(
  ports: Pick<PipelinePorts, 'revisions'>,
  repository: RepositoryRef,
  pull: PullRequestState,
): Promise<CommitReport> {
  // What the pull request changes is from where it forks; who may approve for a scope is
  // who the default branch says now, which a push to it can change without touching the head.
  const [base, head, tip] = await Promise.all([
    ports.revisions.load(repository, pull.base),
    ports.revisions.load(repository, pull.head),
    ports.revisions.load(repository, pull.baseTip),
  ]);
  const errors = head.analysis.issues.filter((issue) => issue.severity === 'error').length;
  if (errors > 0) {
    // What an invalid head would grant cannot be known: it is refused, not guessed.
    return {
      name: CONSENT_CHECK,
      conclusion: 'failure',
      title: `Not evaluated: the head's manifests have ${errors} errors`,
      summary: `Consent is evaluated once the manifests at ${pull.head} validate; the \`infrastream/validate\` check lists the errors.`,
      annotations: [],
    };
  }
  const plan = buildPlan(
    {
      label: base.commit,
      state: base.analysis.state,
      model: ports.revisions.model(base),
    },
    {
      label: head.commit,
      state: head.analysis.state,
      model: ports.revisions.model(head, base),
    },
  );
  const verdict = evaluateConsent(plan.consent, pull, consentApprovers(tip.analysis.state));
  return {
    name: CONSENT_CHECK,
    conclusion: verdict.conclusion,
    title: verdict.title,
    summary: verdict.summary,
    annotations: [],
  };
}

/** Whether two reads of a pull request would be evaluated alike. */
function sameReview(a: PullRequestState, b: PullRequestState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
