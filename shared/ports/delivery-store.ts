/**
 * Remembers which GitHub webhook deliveries were accepted or refused. GitHub redelivers (on
 * timeouts and by hand), so ingest claims each `X-GitHub-Delivery` id once and ignores a
 * second claim.
 */
export interface DeliveryStore {
  /**
   * Records the delivery unless it is already recorded, atomically: of two concurrent claims
   * of one id exactly one sees `'new'`. A delivery recorded as refused is a duplicate too.
   */
  claim(deliveryId: string, received: ReceivedDelivery): Promise<'new' | 'duplicate'>;

  /**
   * Forgets a claim whose work could not be handed on (the publish failed), so that
   * GitHub's redelivery is new again rather than a duplicate of something lost.
   */
  release(deliveryId: string): Promise<void>;

  /**
   * Records a delivery ingest refused, unless the id is already recorded: an operator sees
   * what was refused and why, and the id can never be claimed afterwards, so a redelivery is
   * not processed even once the configuration would accept it.
   */
  refuse(deliveryId: string, refused: RefusedDelivery): Promise<void>;
}

/** What ingest keeps of a delivery: references, never the payload. */
export interface ReceivedDelivery {
  /** `X-GitHub-Event`. */
  readonly event: string;
  /** `owner/name`, as the payload named it. */
  readonly repository: string;
  /** GitHub's repository id, as the payload gave it. */
  readonly repositoryId: number;
  readonly ref: string;
  readonly after: string;
}

/** A delivery ingest refused, and why. */
export interface RefusedDelivery extends ReceivedDelivery {
  readonly refused: string;
}
