import { http, type Request, type Response } from '@google-cloud/functions-framework';
import { systemClock } from '../shared/adapters/system-clock.ts';
import { createDocumentDeliveryStore } from '../shared/pipeline/document-delivery-store.ts';
import { firestoreOf, functionSettings, publisherOf } from './configuration.ts';
import { createWebhookReceiver, type IngestOptions } from './webhook-receiver.ts';

/** An HTTP handler as the Functions Framework calls it. */
export type IngestHandler = (req: Request, res: Response) => Promise<void>;

/**
 * Creates the ingest stage as the Functions Framework calls it: see {@link createWebhookReceiver}.
 */
export function createIngestHandler(options: IngestOptions): IngestHandler {
  const receive = createWebhookReceiver(options);
  return async (req, res) => {
    const reply = await receive(req);
    if (reply.detail !== undefined) {
      // One structured line, as Cloud Logging reads it: GitHub's delivery log shows the status
      // and body, the operator's log says why.
      console.log(
        JSON.stringify({
          severity: 'WARNING',
          stage: 'ingest',
          status: reply.status,
          detail: reply.detail,
        }),
      );
    }
    if (reply.status === 405) res.set('Allow', 'POST');
    res.status(reply.status).json(reply.body);
  };
}

/**
 * Reads the deployment's configuration: the secrets, the governed repository, Firestore for
 * deliveries and the builds a re-run reads, Pub/Sub for the bus.
 */
function fromEnvironment(): IngestOptions {
  const settings = functionSettings(process.env, 'ingest');
  const store = firestoreOf(settings);
  return {
    secrets: settings.webhookSecrets,
    repository: settings.repository,
    deliveries: createDocumentDeliveryStore(store, systemClock),
    publisher: publisherOf(settings),
    maxBodyBytes: settings.maxBodyBytes,
    checkRuns: { store, clock: systemClock, appId: settings.githubAppId },
    pullRequests: true,
  };
}

let configured: IngestHandler | undefined;

// Configured on the first request, not at import, so importing this module (tests, tooling)
// needs no environment; a missing secret then fails that request with a 500.
http('ingest', (req, res) => {
  configured ??= createIngestHandler(fromEnvironment());
  return configured(req, res);
});
