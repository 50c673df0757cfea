import { cloudEvent } from '@google-cloud/functions-framework';
import { googleCloudPipeline } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The record stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'record',
  pubsubStage('record', () => googleCloudPipeline(process.env).stage('record')),
);
