import type { Provenance } from '../governance/governance-model.ts';

/**
 * One identifier Infrastream generates, with what it stands for and the manifest entry
 * that makes it. Two entries of one namespace and name with different owners are a
 * collision: one thing would stand in for the other.
 */
export interface GeneratedName {
  /** What the name is and where it must be unique: `service account id in a.b.c`. */
  readonly namespace: string;
  readonly name: string;
  /**
   * What the name stands for, as people read it. Two declarations of one thing (a push
   * subscription a topic and an application both ask for) have one owner.
   */
  readonly owner: string;
  readonly cause: Provenance;
  /**
   * `name` is how every name of the namespace ends, and the rest cannot tell two apart:
   * project ids and bucket names, whose prefix all share and whose end is a hash.
   */
  readonly tail?: true;
}
