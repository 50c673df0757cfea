import type * as v from 'valibot';
import { kinds, type Kind } from '../../shared/core/manifests/kinds.ts';
import { manifestSchemas } from '../../shared/core/manifests/manifest.ts';

/** One field a kind's `spec` accepts, by its path as the field table writes it. */
export interface SchemaField {
  readonly kind: Kind;
  /** `spec.container.resources.cpu`; `[]` marks a list's items, `<key>` a mapping's keys. */
  readonly path: string;
  /** The field itself, or its nearest parent, that may be left out; none when all are required. */
  readonly removable: string | undefined;
}

type AnySchema = v.GenericSchema & {
  readonly pipe?: readonly { readonly kind: string }[];
  readonly entries?: Record<string, AnySchema>;
  readonly wrapped?: AnySchema;
  readonly item?: AnySchema;
  readonly key?: AnySchema;
  readonly value?: AnySchema;
  readonly options?: readonly AnySchema[];
};

/**
 * Every leaf field of every kind's `spec`, read from the valibot schemas themselves: through
 * pipes, optionals, object entries, list items, mapping values and the options of unions and
 * variants. A mapping with no fields of its own is a leaf. `metadata` is left out: it names
 * the manifest and its ancestors (the hierarchy table), and renders nothing of its own.
 */
export function schemaFields(): SchemaField[] {
  const fields = new Map<string, SchemaField>();
  for (const kind of kinds) {
    const root = entriesOf(manifestSchemas[kind]);
    const spec = root?.['spec'];
    if (spec !== undefined) walk(kind, spec, 'spec', undefined, fields);
  }
  return [...fields.values()];
}

function walk(
  kind: Kind,
  schema: AnySchema,
  path: string,
  removable: string | undefined,
  fields: Map<string, SchemaField>,
): void {
  if (schema.type === 'optional' || schema.type === 'nullish' || schema.type === 'exact_optional') {
    walk(kind, schema.wrapped as AnySchema, path, path, fields);
    return;
  }
  const entries = entriesOf(schema);
  if (entries !== undefined && Object.keys(entries).length > 0) {
    for (const [key, entry] of Object.entries(entries))
      walk(kind, entry, `${path}.${key}`, removable, fields);
    return;
  }
  const inner = innerSchemas(schema);
  if (inner.length > 0) {
    for (const [suffix, item] of inner) walk(kind, item, `${path}${suffix}`, removable, fields);
    return;
  }
  fields.set(`${kind} ${path}`, { kind, path, removable });
}

/** The entries of an object schema, wherever a pipe holds it. */
function entriesOf(schema: AnySchema): Record<string, AnySchema> | undefined {
  if (schema.entries !== undefined) return schema.entries;
  for (const step of schema.pipe ?? []) {
    if (step.kind !== 'schema' || step === schema) continue;
    const entries = entriesOf(step as AnySchema);
    if (entries !== undefined) return entries;
  }
  return undefined;
}

/** The schemas a list, mapping, union or pipe holds, with the path suffix each adds. */
function innerSchemas(schema: AnySchema): [string, AnySchema][] {
  if (schema.type === 'array' && schema.item !== undefined) return [['[]', schema.item]];
  if (schema.type === 'record' && schema.value !== undefined) return [['.<key>', schema.value]];
  if ((schema.type === 'union' || schema.type === 'variant') && schema.options !== undefined)
    return schema.options.filter((option) => !isLeaf(option)).map((option) => ['', option]);
  const piped = (schema.pipe ?? []).filter(
    (step): step is AnySchema => step.kind === 'schema' && step !== schema,
  );
  return piped.filter((step) => !isLeaf(step)).map((step) => ['', step]);
}

/** A schema that holds no fields: a scalar, a picklist, a literal. */
function isLeaf(schema: AnySchema): boolean {
  return entriesOf(schema) === undefined && innerSchemas(schema).length === 0;
}
