import { cloudEvent } from '@google-cloud/functions-framework';
import { createBuildStatusStage } from '../shared/pipeline/build-status-stage.ts';
import { pipelinePortsFrom } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The build-status stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'build-status',
  pubsubStage('build-status', () => createBuildStatusStage(pipelinePortsFrom(process.env))),
);
