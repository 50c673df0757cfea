import {
  decodePullRequestMessage,
  PULL_REQUESTS_TOPIC,
} from '../core/contracts/pull-request-message.ts';
import { buildPlan } from '../core/governance/build-plan.ts';
import { consentApprovers } from '../core/governance/consent-approvers.ts';
import { evaluateConsent } from '../core/governance/evaluate-consent.ts';
import {
  formatGovernedRepository,
  isGovernedRepository,
} from '../core/pipeline/governed-repository.ts';
import type { CommitReport } from '../ports/commit-reporter.ts';
import type { PullRequestState } from '../ports/pull-requests.ts';
import type { RepositoryRef } from '../ports/repository-source.ts';
import { rejectedMessage, TransientError, type PipelinePorts, type Stage } from './stage.ts';

/** The check a pull request's consent is reported as, on its head commit. */
export const CONSENT_CHECK = 'infrastream/consent';

/** Evaluations of one message before it is retried rather than chased further. */
const MAX_EVALUATIONS = 5;

/**
 * The consent stage: for a pull request of the governed repository, plans its head against
 * its base, and reports on the head commit whether the owners of every scope the plan asks
 * consent of approved it (`evaluateConsent`). Who may approve comes from the base revision's
 * people and groups, so a pull request cannot make its own approvers.
 *
 * Two events of one pull request may be evaluated at once and report out of order. So after
 * reporting, the stage reads the pull request again and evaluates again when it changed:
 * the last report of a head is always one whose evaluation read the pull request as it
 * still was after reporting.
 */
export function createConsentStage(
  ports: Pick<PipelinePorts, 'repository' | 'revisions' | 'reporter' | 'pullRequests'>,
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

async function consentReport(
  ports: Pick<PipelinePorts, 'revisions'>,
  repository: RepositoryRef,
  pull: PullRequestState,
): Promise<CommitReport> {
  const [base, head] = await Promise.all([
    ports.revisions.load(repository, pull.base),
    ports.revisions.load(repository, pull.head),
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
  const verdict = evaluateConsent(plan.consent, pull, consentApprovers(base.analysis.state));
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
