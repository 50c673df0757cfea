import { cloudEvent } from '@google-cloud/functions-framework';
import { createParseStage } from '../shared/pipeline/parse-stage.ts';
import { pipelinePortsFrom } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The parse stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'parse',
  pubsubStage('parse', () => createParseStage(pipelinePortsFrom(process.env))),
);
