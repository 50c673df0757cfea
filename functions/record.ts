import { cloudEvent } from '@google-cloud/functions-framework';
import { createRecordStage } from '../shared/pipeline/record-stage.ts';
import { pipelinePortsFrom } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The record stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'record',
  pubsubStage('record', () => createRecordStage(pipelinePortsFrom(process.env))),
);
