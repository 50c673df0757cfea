import { classifyFailure } from '../ports/classify-failure.ts';
import type { PipelinePorts, Stage } from './stage.ts';
import { recordStageFailure } from './stage-failure.ts';
import type { StageName } from './state-documents.ts';

/**
 * A stage that acts on the class of what it throws (see `classifyFailure`), so that every
 * runner (Cloud Functions, the in-process bus) treats failures alike and no stage needs a
 * try/catch of its own:
 *
 * - permanent: recorded on the commit and reported to its author (`recordStageFailure`),
 *   then `rejected`: the message is acknowledged, never retried, and logged as an error;
 * - transient, rate limited, or unknown (a bug): thrown as it was, so that the bus delivers
 *   the message again, when its class says (the runner reads it again for that).
 */
export function guardedStage(
  name: StageName,
  stage: Stage,
  ports: Pick<PipelinePorts, 'store' | 'clock' | 'repository' | 'reporter'>,
): Stage {
  return async (data) => {
    try {
      return await stage(data);
    } catch (error) {
      const failure = classifyFailure(error);
      if (failure.kind !== 'permanent') throw error;
      const unrecorded = await recordStageFailure(ports, name, data, failure.reason);
      return {
        status: 'rejected',
        detail: `${name} failed for good: ${failure.reason}${unrecorded === '' ? '' : ` (${unrecorded})`}`,
      };
    }
  };
}
