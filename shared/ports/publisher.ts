/**
 * Publishes a message to a topic of the pipeline bus: Pub/Sub in Google Cloud, in-process in
 * the embedded default. Resolves once the bus has accepted the message.
 */
export interface Publisher {
  publish(topic: string, message: unknown): Promise<void>;
}
