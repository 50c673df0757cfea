import { cloudEvent } from '@google-cloud/functions-framework';
import { googleCloudPipeline } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The drift stage, on the messages of its Pub/Sub subscription (Cloud Scheduler's and build-status's). */
cloudEvent(
  'drift',
  pubsubStage('drift', () => googleCloudPipeline(process.env).stage('drift')),
);
