import { cloudEvent } from '@google-cloud/functions-framework';
import { createPipelineStage } from '../shared/pipeline/pipeline-stages.ts';
import { pipelinePortsFrom } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The build-status stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'build-status',
  pubsubStage('build-status', () =>
    createPipelineStage('build-status', pipelinePortsFrom(process.env)),
  ),
);
