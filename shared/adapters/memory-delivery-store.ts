import type { DeliveryStore, ReceivedDelivery, RefusedDelivery } from '../ports/delivery-store.ts';

/**
 * The embedded {@link DeliveryStore}: a map in this process. Claims are atomic because the
 * check and the insert run in one synchronous step.
 */
export class MemoryDeliveryStore implements DeliveryStore {
  readonly #deliveries = new Map<string, ReceivedDelivery | RefusedDelivery>();

  /** Records the delivery the first time its id is seen. */
  claim(deliveryId: string, received: ReceivedDelivery): Promise<'new' | 'duplicate'> {
    if (this.#deliveries.has(deliveryId)) return Promise.resolve('duplicate');
    this.#deliveries.set(deliveryId, { ...received });
    return Promise.resolve('new');
  }

  /** Forgets a claim, so that the same delivery is new again. */
  release(deliveryId: string): Promise<void> {
    this.#deliveries.delete(deliveryId);
    return Promise.resolve();
  }

  /** Records a refused delivery the first time its id is seen. */
  refuse(deliveryId: string, refused: RefusedDelivery): Promise<void> {
    if (!this.#deliveries.has(deliveryId)) this.#deliveries.set(deliveryId, { ...refused });
    return Promise.resolve();
  }

  /** The recorded deliveries by id, in the order they were first recorded. */
  get deliveries(): ReadonlyMap<string, ReceivedDelivery | RefusedDelivery> {
    return this.#deliveries;
  }
}
