import { cloudEvent } from '@google-cloud/functions-framework';
import { createDeltasStage } from '../shared/pipeline/deltas-stage.ts';
import { pipelinePortsFrom } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The deltas stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'deltas',
  pubsubStage('deltas', () => createDeltasStage(pipelinePortsFrom(process.env))),
);
