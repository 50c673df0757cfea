import { kindParents, type Kind, type ParentKey } from '../manifests/kinds.ts';
import type { Manifest } from '../manifests/manifest.ts';
import type { SourceDocument } from '../parse/source-document.ts';

/** Names of ancestors by their metadata key; a partial one describes a scope. */
export type Scope = Partial<Record<ParentKey, string>>;

/** A manifest the repository declares: valid, or invalid in spec but with valid metadata. */
export interface IndexedManifest {
  readonly id: string;
  readonly kind: Kind;
  readonly name: string;
  readonly metadata: Scope & { readonly name: string };
  readonly source: SourceDocument;
  /** Absent when the spec is invalid: the manifest exists, but nothing may be read from it. */
  readonly manifest?: Manifest;
}

/**
 * The stable identity of a manifest: its kind, then the names of its ancestors from the
 * outermost, then its name, such as `Project:acme/payments/production/checkout`.
 */
export function identityOf(kind: Kind, scope: Scope, name: string): string | undefined {
  // Built by concatenation: this runs for every manifest and every reference.
  let id = `${kind}:`;
  const parents = kindParents[kind];
  for (let i = parents.length - 1; i >= 0; i--) {
    const value = scope[parents[i] as ParentKey];
    if (value === undefined) return undefined;
    id += `${value}/`;
  }
  return id + name;
}

/** Lookups over the declared manifests: by identity, and by kind and name in any scope. */
export class RepositoryIndex {
  readonly #byId = new Map<string, IndexedManifest>();
  readonly #byKindAndName = new Map<string, IndexedManifest[]>();
  readonly #byName = new Map<string, IndexedManifest[]>();

  /** Adds a manifest; returns the one already declared with the same identity, if any. */
  add(entry: IndexedManifest): IndexedManifest | undefined {
    const existing = this.#byId.get(entry.id);
    if (existing !== undefined) return existing;
    this.#byId.set(entry.id, entry);
    push(this.#byKindAndName, `${entry.kind}:${entry.name}`, entry);
    push(this.#byName, entry.name, entry);
    return undefined;
  }

  get(id: string | undefined): IndexedManifest | undefined {
    return id === undefined ? undefined : this.#byId.get(id);
  }

  /** Manifests of this kind and name, in any scope. */
  named(kind: Kind, name: string): readonly IndexedManifest[] {
    return this.#byKindAndName.get(`${kind}:${name}`) ?? [];
  }

  /** Manifests of any kind with this name. */
  anyNamed(name: string): readonly IndexedManifest[] {
    return this.#byName.get(name) ?? [];
  }

  /** Manifests of this kind and name whose ancestors agree with every key of the scope. */
  find(kind: Kind, name: string, scope: Scope): readonly IndexedManifest[] {
    const id = identityOf(kind, scope, name);
    if (id !== undefined) {
      const exact = this.get(id);
      return exact === undefined ? [] : [exact];
    }
    return this.named(kind, name).filter((entry) => within(entry, scope));
  }
}

/** Whether a manifest's ancestors agree with every key the scope and its kind share. */
export function within(entry: IndexedManifest, scope: Scope): boolean {
  return kindParents[entry.kind].every(
    (key) => scope[key] === undefined || scope[key] === entry.metadata[key],
  );
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
