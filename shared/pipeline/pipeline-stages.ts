import { CLOUD_BUILDS_TOPIC } from '../core/contracts/build-notification.ts';
import { BUILDS_TOPIC } from '../core/contracts/build-request-message.ts';
import { DESIRED_STATE_TOPIC, MANIFESTS_TOPIC } from '../core/contracts/commit-message.ts';
import { PUSH_TOPIC } from '../core/contracts/push-message.ts';
import { createBuildStatusStage } from './build-status-stage.ts';
import { createBuildsStage } from './builds-stage.ts';
import { createDeltasStage } from './deltas-stage.ts';
import { createParseStage } from './parse-stage.ts';
import { createRecordStage } from './record-stage.ts';
import type { PipelinePorts, Stage } from './stage.ts';

/** Every stage after ingest, by the topic it subscribes to. */
export function createPipelineStages(ports: PipelinePorts): ReadonlyMap<string, Stage> {
  return new Map([
    [PUSH_TOPIC, createParseStage(ports)],
    [MANIFESTS_TOPIC, createRecordStage(ports)],
    [DESIRED_STATE_TOPIC, createDeltasStage(ports)],
    [BUILDS_TOPIC, createBuildsStage(ports)],
    [CLOUD_BUILDS_TOPIC, createBuildStatusStage(ports)],
  ]);
}
