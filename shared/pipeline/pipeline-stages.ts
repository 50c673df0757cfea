import { CLOUD_BUILDS_TOPIC } from '../core/contracts/build-notification.ts';
import { BUILDS_TOPIC } from '../core/contracts/build-request-message.ts';
import { DESIRED_STATE_TOPIC, MANIFESTS_TOPIC } from '../core/contracts/commit-message.ts';
import { PULL_REQUESTS_TOPIC } from '../core/contracts/pull-request-message.ts';
import { PUSH_TOPIC } from '../core/contracts/push-message.ts';
import { DRIFT_REQUESTED_TOPIC } from '../core/contracts/drift-request-message.ts';
import { createBuildStatusStage } from './build-status-stage.ts';
import { createBuildsStage } from './builds-stage.ts';
import { createConsentStage } from './consent-stage.ts';
import { createDeltasStage } from './deltas-stage.ts';
import { createDriftStage } from './drift-stage.ts';
import { guardedStage } from './guarded-stage.ts';
import { createParseStage } from './parse-stage.ts';
import { createRecordStage } from './record-stage.ts';
import type { PipelinePorts, Stage } from './stage.ts';
import type { StageName } from './state-documents.ts';

/** Every stage after ingest: the topic it subscribes to, and how it is made. */
const stages: Readonly<
  Record<StageName, { readonly topic: string; readonly create: (ports: PipelinePorts) => Stage }>
> = {
  parse: { topic: PUSH_TOPIC, create: createParseStage },
  record: { topic: MANIFESTS_TOPIC, create: createRecordStage },
  deltas: { topic: DESIRED_STATE_TOPIC, create: createDeltasStage },
  builds: { topic: BUILDS_TOPIC, create: createBuildsStage },
  'build-status': { topic: CLOUD_BUILDS_TOPIC, create: createBuildStatusStage },
  consent: { topic: PULL_REQUESTS_TOPIC, create: createConsentStage },
  drift: { topic: DRIFT_REQUESTED_TOPIC, create: createDriftStage },
};

/** One stage, as every runner runs it: its permanent failures recorded (`guardedStage`). */
export function createPipelineStage(name: StageName, ports: PipelinePorts): Stage {
  return guardedStage(name, stages[name].create(ports), ports);
}

/** The topic each stage after ingest subscribes to. */
export const pipelineTopics: Readonly<Record<StageName, string>> = Object.fromEntries(
  Object.entries(stages).map(([name, stage]) => [name, stage.topic]),
) as Record<StageName, string>;
