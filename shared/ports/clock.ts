/** The time, injected so that the core and the stages stay deterministic under test. */
export interface Clock {
  /** Now, as an ISO 8601 timestamp in UTC. */
  now(): string;
}
