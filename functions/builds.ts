import { cloudEvent } from '@google-cloud/functions-framework';
import { googleCloudPipeline } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The builds stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'builds',
  pubsubStage('builds', () => googleCloudPipeline(process.env).stage('builds')),
);
