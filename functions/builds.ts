import { cloudEvent } from '@google-cloud/functions-framework';
import { createBuildsStage } from '../shared/pipeline/builds-stage.ts';
import { pipelinePortsFrom } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The builds stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'builds',
  pubsubStage('builds', () => createBuildsStage(pipelinePortsFrom(process.env))),
);
