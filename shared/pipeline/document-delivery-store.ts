import type { DeliveryStore, ReceivedDelivery, RefusedDelivery } from '../ports/delivery-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { DocumentStore } from '../ports/document-store.ts';
import { documentId } from './state-documents.ts';

/**
 * The {@link DeliveryStore} over the pipeline's documents, `deliveries/{delivery}`: a claim is
 * a transaction that creates the document only if it is missing, so of two concurrent claims
 * of one delivery exactly one wins, on any backend. A refusal is recorded the same way.
 */
export function createDocumentDeliveryStore(store: DocumentStore, clock: Clock): DeliveryStore {
  const path = (deliveryId: string) => `deliveries/${documentId(deliveryId)}`;
  const create = (deliveryId: string, delivery: ReceivedDelivery | RefusedDelivery) =>
    store.transact(async (transaction) => {
      if ((await transaction.get(path(deliveryId))) !== undefined) return 'duplicate' as const;
      transaction.set(path(deliveryId), { ...delivery, receivedAt: clock.now() });
      return 'new' as const;
    });
  return {
    claim: create,
    async release(deliveryId: string) {
      await store.write([{ kind: 'delete', path: path(deliveryId) }]);
    },
    async refuse(deliveryId: string, refused: RefusedDelivery) {
      await create(deliveryId, refused);
    },
  };
}
