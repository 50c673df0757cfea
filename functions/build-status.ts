import { cloudEvent } from '@google-cloud/functions-framework';
import { googleCloudBuildStatusStage } from './configuration.ts';
import { pubsubStage } from './pubsub-stage.ts';

/** The build-status stage, on the messages of its Pub/Sub subscription; it holds no App key. */
cloudEvent(
  'build-status',
  pubsubStage('build-status', () => googleCloudBuildStatusStage(process.env)),
);
