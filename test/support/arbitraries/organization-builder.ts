/**
 * Collects derived manifests and records every name one writes that designates another,
 * so that tests can break a reference on purpose.
 */
import {
  API_VERSION,
  kindParents,
  parentKinds,
  type Kind,
  type ParentKey,
} from '../../../shared/core/manifests/kinds.ts';
import type { Manifest, ManifestOf } from '../../../shared/core/manifests/manifest.ts';
import type { GeneratedReference, ValuePath } from './types.ts';

export type Metadata = { readonly name: string } & Partial<Record<ParentKey, string>>;

/** The identity of a manifest: its kind, its ancestors from the outermost, its name. */
export function identityOf(kind: Kind, metadata: Metadata): string {
  const chain = [...kindParents[kind]].reverse().map((key) => metadata[key] ?? '');
  return `${kind}:${[...chain, metadata.name].join('/')}`;
}

/** A manifest that can be named: its name, and its identity to record the reference. */
export interface Target {
  readonly name: string;
  readonly id: string;
}

export interface PendingReference {
  readonly path: ValuePath;
  readonly to: string;
  readonly isKey: boolean;
  readonly hasAlternatives: boolean;
}

/** Records the references a spec writes, relative to a path in the manifest. */
export class References {
  readonly list: PendingReference[];
  readonly #prefix: ValuePath;

  constructor(list: PendingReference[] = [], prefix: ValuePath = []) {
    this.list = list;
    this.#prefix = prefix;
  }

  at(...path: ValuePath): References {
    return new References(this.list, [...this.#prefix, ...path]);
  }

  /** Writes the name of a target here, and remembers it. */
  name(target: Target, options: { isKey?: boolean; hasAlternatives?: boolean } = {}): string {
    this.list.push({
      path: this.#prefix,
      to: target.id,
      isKey: options.isKey ?? false,
      hasAlternatives: options.hasAlternatives ?? false,
    });
    return target.name;
  }

  /** Remembers a reference to a target without writing anything (placement checks). */
  also(target: Target): void {
    this.list.push({ path: this.#prefix, to: target.id, isKey: false, hasAlternatives: false });
  }

  /** Writes the distinct targets chosen by the picks, as a list. */
  names(chosen: readonly number[] | undefined, from: readonly Target[]): string[] {
    return choose(chosen, from).map((target, index) => this.at(index).name(target));
  }
}

/** The distinct items chosen by the picks, in pick order. */
export function choose<T>(chosen: readonly number[] | undefined, from: readonly T[]): T[] {
  if (chosen === undefined || from.length === 0) return [];
  const result: T[] = [];
  for (const index of chosen) {
    const item = from[index % from.length] as T;
    if (!result.includes(item)) result.push(item);
  }
  return result;
}

export function chooseOne<T>(index: number, from: readonly T[]): T | undefined {
  return from.length === 0 ? undefined : from[index % from.length];
}

export interface People {
  readonly users: readonly Target[];
  readonly groups: readonly Target[];
}

export interface Built {
  readonly manifest: Manifest;
  readonly id: string;
  readonly references: readonly PendingReference[];
}

/** Collects manifests and the references between them. */
export class OrganizationBuilder {
  readonly built: Built[] = [];

  add<K extends Kind>(
    kind: K,
    metadata: ManifestOf<K>['metadata'],
    spec: (refs: References) => ManifestOf<K>['spec'],
  ): Target {
    const refs = new References();
    const data = metadata as Metadata;
    for (const key of kindParents[kind] as readonly ParentKey[]) {
      refs
        .at('metadata', key)
        .also({ name: '', id: identityOf(parentKinds[key], { ...data, name: data[key] ?? '' }) });
    }
    const manifest = {
      apiVersion: API_VERSION,
      kind,
      metadata,
      spec: spec(refs.at('spec')),
    } as unknown as Manifest;
    const id = identityOf(kind, data);
    this.built.push({ manifest, id, references: refs.list });
    return { name: data.name, id };
  }
}

/** One project in one environment: the targets that exist there. */
export interface ProjectInstance {
  readonly project: Target;
  readonly secrets: ReadonlyMap<string, Target>;
  readonly databases: ReadonlyMap<string, { target: Target; schemas: readonly string[] }>;
  readonly topics: ReadonlyMap<string, Target>;
  readonly deployments: ReadonlyMap<string, Target>;
}

/** Turns recorded identities into indices; a reference to nothing is a bug of this file. */
export function resolve(built: readonly Built[]): Omit<GeneratedReference, 'from'>[][] {
  const index = new Map<string, number>();
  built.forEach((entry, i) => {
    if (index.has(entry.id)) throw new Error(`arbitraries: two manifests are ${entry.id}`);
    index.set(entry.id, i);
  });
  return built.map((entry) =>
    entry.references.map((reference) => {
      const to = index.get(reference.to);
      if (to === undefined)
        throw new Error(`arbitraries: ${entry.id} names missing ${reference.to}`);
      return {
        path: reference.path,
        to,
        isKey: reference.isKey,
        hasAlternatives: reference.hasAlternatives,
      };
    }),
  );
}
