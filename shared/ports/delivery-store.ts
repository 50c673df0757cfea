/**
 * Remembers which GitHub webhook deliveries were accepted. GitHub redelivers (on timeouts and
 * by hand), so ingest claims each `X-GitHub-Delivery` id once and ignores a second claim.
 */
export interface DeliveryStore {
  /**
   * Records the delivery unless it is already recorded, atomically: of two concurrent claims
   * of one id exactly one sees `'new'`.
   */
  claim(deliveryId: string, received: ReceivedDelivery): Promise<'new' | 'duplicate'>;

  /**
   * Forgets a claim whose work could not be handed on (the publish failed), so that
   * GitHub's redelivery is new again rather than a duplicate of something lost.
   */
  release(deliveryId: string): Promise<void>;
}

/** What ingest keeps of a delivery: references, never the payload. */
export interface ReceivedDelivery {
  /** `X-GitHub-Event`. */
  readonly event: string;
  /** `owner/name`. */
  readonly repository: string;
  readonly ref: string;
  readonly after: string;
}
