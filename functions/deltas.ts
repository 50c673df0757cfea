import { cloudEvent } from '@google-cloud/functions-framework';
import { googleCloudPipeline } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The deltas stage, on the messages of its Pub/Sub subscription. */
cloudEvent(
  'deltas',
  pubsubStage('deltas', () => googleCloudPipeline(process.env).stage('deltas')),
);
