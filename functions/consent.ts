import { cloudEvent } from '@google-cloud/functions-framework';
import { googleCloudPipeline } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The consent stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'consent',
  pubsubStage('consent', () => googleCloudPipeline(process.env).stage('consent')),
);
