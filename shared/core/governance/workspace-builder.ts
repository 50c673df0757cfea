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

  resource(resource: ModelResource): void {
    if (!this.#resources.has(resource.address)) this.#resources.set(resource.address, resource);
  }

  bind(binding: IamBinding): void {
    const key = bindingKey(binding);
    if (!this.#iam.has(key)) this.#iam.set(key, binding);
  }

  firewall(rule: FirewallRule): void {
    if (!this.#firewall.has(rule.name)) this.#firewall.set(rule.name, rule);
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
