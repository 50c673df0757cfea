import {
  BUILD_SUBSTITUTIONS,
  decodeBuildNotification,
} from '../core/contracts/build-notification.ts';
import { decodeBuildRequestMessage } from '../core/contracts/build-request-message.ts';
import { decodeCommitMessage } from '../core/contracts/commit-message.ts';
import type { MessageRepository } from '../core/contracts/fields.ts';
import { decodePushMessage } from '../core/contracts/push-message.ts';
import { classifyFailure } from '../ports/classify-failure.ts';
import { PLAN_CHECK } from './deltas-stage.ts';
import { VALIDATE_CHECK } from './parse-stage.ts';
import { governedState, toData } from './repository-state.ts';
import type { PipelinePorts } from './stage.ts';
import type { CommitDocument, StageFailure, StageName } from './state-documents.ts';

/** The commit a stage's message is about, and what the stage knows of its push. */
interface FailedCommit {
  readonly repository: MessageRepository;
  readonly commit: string;
  /** Set when the message says enough of the push to create the commit's document. */
  readonly push?: { readonly ref: string; readonly delivery: string; readonly pusher: string };
  /** The check its author reads, where the stage's failure leaves it unreported. */
  readonly check?: { readonly name: string; readonly title: string };
}

const NO_COMMIT = /^0+$/;

/**
 * Records a stage's permanent failure where people look: on the commit's document (its
 * `failures`, with the reason) and in the audit trail, both in one transaction, and on the
 * commit's check where the stage reports one (parse: validate; record and deltas: plan,
 * which would otherwise never come). Returns what could not be done, to be said with the
 * failure, or an empty string: the check is reported best effort (GitHub may be the very
 * backend that failed), and a store that refuses for good cannot take the record either.
 * A store failure worth retrying is thrown, so that the bus delivers the message again.
 */
export async function recordStageFailure(
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository' | 'reporter'>,
  name: StageName,
  data: unknown,
  reason: string,
): Promise<string> {
  const failed = failedCommit(name, data, ports);
  if (failed === undefined) return '';
  const state = governedState(ports, failed.repository);
  const failure: StageFailure = {
    at: state.now(),
    reason,
    ...(failed.push === undefined ? {} : { delivery: failed.push.delivery }),
  };
  const notes: string[] = [];
  try {
    await state.store.transact(async (transaction) => {
      const stored = await state.commit(failed.commit, transaction);
      const push = failed.push;
      if (stored !== undefined || push !== undefined) {
        const commit: CommitDocument = stored ?? {
          commit: failed.commit,
          ref: push?.ref ?? '',
          delivery: push?.delivery ?? '',
          pusher: push?.pusher ?? '',
          receivedAt: failure.at,
          stages: {},
          issues: [],
          issueCount: 0,
        };
        transaction.set(
          state.paths.commit(failed.commit),
          toData({ ...commit, failures: { ...commit.failures, [name]: failure } }),
        );
      }
      state.event(transaction, `${name} failed ${failed.commit}`, {
        at: failure.at,
        type: 'stage-failed',
        commit: failed.commit,
        ...(push === undefined ? {} : { delivery: push.delivery, actor: push.pusher }),
        message: `${name} failed for good at ${failed.commit.slice(0, 7)}: ${reason}`,
      });
    });
  } catch (error) {
    const recording = classifyFailure(error);
    if (recording.kind !== 'permanent') throw error;
    notes.push(`not recorded: ${recording.reason}`);
  }
  if (failed.check !== undefined) {
    try {
      await ports.reporter.report(failed.repository, failed.commit, {
        name: failed.check.name,
        conclusion: 'failure',
        title: `${failed.check.title}: ${reason}`,
        summary: [
          `The pipeline stopped at ${name} and will not retry: ${reason}`,
          '',
          'Nothing of this commit is applied. Once the cause is fixed, push again or redeliver the webhook.',
        ].join('\n'),
        annotations: [],
      });
    } catch (error) {
      notes.push(`the ${failed.check.name} check not reported: ${classifyFailure(error).reason}`);
    }
  }
  return notes.join('; ');
}

/** The commit a message of the stage is about; undefined when it names none. */
function failedCommit(
  name: StageName,
  data: unknown,
  ports: Pick<PipelinePorts, 'repository'>,
): FailedCommit | undefined {
  switch (name) {
    case 'parse': {
      const decoded = decodePushMessage(data);
      if (!decoded.ok || NO_COMMIT.test(decoded.message.after)) return undefined;
      const { repository, after, ref, delivery, pusher } = decoded.message;
      const { id: _, ...named } = repository;
      return {
        repository: named,
        commit: after,
        push: { ref, delivery, pusher },
        check: { name: VALIDATE_CHECK, title: 'Not validated' },
      };
    }
    case 'record':
    case 'deltas': {
      const decoded = decodeCommitMessage(data);
      if (!decoded.ok) return undefined;
      const { repository, commit, ref, delivery, pusher } = decoded.message;
      return {
        repository,
        commit,
        push: { ref, delivery, pusher },
        check: { name: PLAN_CHECK, title: 'Not planned' },
      };
    }
    case 'builds': {
      const decoded = decodeBuildRequestMessage(data);
      if (!decoded.ok) return undefined;
      return { repository: decoded.message.repository, commit: decoded.message.commit };
    }
    case 'build-status': {
      const decoded = decodeBuildNotification(data);
      const commit = decoded.ok
        ? decoded.message.substitutions[BUILD_SUBSTITUTIONS.commit]
        : undefined;
      if (commit === undefined) return undefined;
      // The stage ignores other repositories' builds before it can fail on one.
      const { owner, name: repositoryName } = ports.repository;
      return { repository: { owner, name: repositoryName, defaultBranch: '' }, commit };
    }
    // A pull request's message names no commit: its failure is logged, and the next event
    // of the pull request evaluates it again.
    case 'consent':
      return undefined;
    // A sweep is about no commit: its failure is logged, and the next trigger sweeps again.
    case 'drift':
      return undefined;
  }
}
