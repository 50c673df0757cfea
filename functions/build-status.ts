import { cloudEvent } from '@google-cloud/functions-framework';
import { googleCloudPipeline } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The build-status stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'build-status',
  pubsubStage('build-status', () => googleCloudPipeline(process.env).stage('build-status')),
);
