import { cloudEvent } from '@google-cloud/functions-framework';
import { googleCloudPipeline } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The parse stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'parse',
  pubsubStage('parse', () => googleCloudPipeline(process.env).stage('parse')),
);
