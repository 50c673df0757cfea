import {
  bindingKey,
  type EgressEntry,
  type FirewallRule,
  type IamBinding,
  type ModelResource,
  type WorkspaceModel,
} from './governance-model.ts';

/**
 * Collects one workspace's resources, bindings, rules and egress entries, keeping the
 * first cause of anything added twice, and returns them in a canonical order so that the
 * same repository always compiles to the same model.
 */
export class WorkspaceBuilder {
  readonly id: string;
  readonly #resources = new Map<string, ModelResource>();
  readonly #iam = new Map<string, IamBinding>();
  readonly #firewall = new Map<string, FirewallRule>();
  readonly #egress = new Map<string, EgressEntry>();

  constructor(id: string) {
    this.id = id;
  }

  /**
   * Adds a resource. The same thing declared twice (a push subscription that a topic's
   * notification and an application's subscribeTo both ask for) keeps its first cause; two
   * different things at one address would let one stand in for the other, so that throws.
   */
  resource(resource: ModelResource): void {
    const existing = this.#resources.get(resource.address);
    if (existing === undefined) this.#resources.set(resource.address, resource);
    else if (existing.type !== resource.type) {
      throw new Error(
        `two resources at ${this.id} ${resource.address}: ${existing.type} and ${resource.type}`,
      );
    }
  }

  bind(binding: IamBinding): void {
    const key = bindingKey(binding);
    if (!this.#iam.has(key)) this.#iam.set(key, binding);
  }

  firewall(rule: FirewallRule): void {
    const existing = this.#firewall.get(rule.name);
    if (existing === undefined) this.#firewall.set(rule.name, rule);
    else if (
      existing.ranges.join() !== rule.ranges.join() ||
      existing.direction !== rule.direction
    ) {
      throw new Error(`two firewall rules named ${rule.name} in ${this.id}`);
    }
  }

  egress(entry: EgressEntry): void {
    if (!this.#egress.has(entry.destination)) this.#egress.set(entry.destination, entry);
  }

  build(): WorkspaceModel {
    return {
      id: this.id,
      resources: sortedValues(this.#resources),
      iam: sortedValues(this.#iam),
      firewall: sortedValues(this.#firewall),
      egress: sortedValues(this.#egress),
    };
  }
}

function sortedValues<T>(map: ReadonlyMap<string, T>): T[] {
  return [...map.keys()].sort().map((key) => map.get(key) as T);
}
