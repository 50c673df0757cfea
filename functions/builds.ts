import { cloudEvent } from '@google-cloud/functions-framework';
import { createPipelineStage } from '../shared/pipeline/pipeline-stages.ts';
import { pipelinePortsFrom } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The builds stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'builds',
  pubsubStage('builds', () => createPipelineStage('builds', pipelinePortsFrom(process.env))),
);
