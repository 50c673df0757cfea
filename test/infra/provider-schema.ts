// Checks Terraform configuration against the google provider's schema without the provider:
// what `terraform validate` would say of unknown or missing arguments and blocks, unknown
// attributes in references, and module calls that do not fit the module's variables. The
// schema is test/fixtures/google-provider-schema.json (scripts/extract-provider-schema.ts).
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { isBody, type Body, type Json } from '../terraform-modules/load-modules.ts';

/** An object's arguments (required or not) and nested blocks, as the provider declares them. */
export interface BlockSchema {
  readonly arguments: Record<string, { readonly required: boolean }>;
  readonly blocks: Record<string, BlockSchema & { readonly required: boolean }>;
}

/** The provider's resource and data source types: their blocks, and what a reference may read. */
export interface ProviderSchema {
  readonly provider: string;
  readonly version: string;
  /** The prebuilt bindings it was read from. */
  readonly from: string;
  readonly resource: Record<string, BlockSchema & { readonly attributes: readonly string[] }>;
  readonly data: Record<string, BlockSchema & { readonly attributes: readonly string[] }>;
}

/** Where the extracted schema is kept, from the repository's root. */
export const providerSchemaPath = 'test/fixtures/google-provider-schema.json';

/** Every Terraform root and module of the repository, as absolute folders. */
export function terraformRoots(root: string): Promise<string[]> {
  return (async () => {
    const modules = (await readdir(join(root, 'terraform-modules'), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(root, 'terraform-modules', entry.name));
    return [join(root, 'infra'), join(root, 'infra', 'bootstrap'), ...modules.sort()];
  })();
}

/** One .tf file, parsed. */
interface ParsedFile {
  readonly folder: string;
  readonly file: string;
  readonly body: Body;
}

async function parseFolder(folder: string): Promise<ParsedFile[]> {
  const files: ParsedFile[] = [];
  // hcl2json runs one Go/WASM instance: one file after the other.
  for (const file of (await readdir(folder)).filter((name) => name.endsWith('.tf')).sort()) {
    const body: unknown = await parse(file, await readFile(join(folder, file), 'utf8'));
    if (!isBody(body)) throw new Error(`${file}: hcl2json returned no object`);
    files.push({ folder, file, body });
  }
  return files;
}

/** A block's bodies: hcl2json writes a list, Terraform's JSON syntax may write one object. */
function bodiesOf(value: Json | undefined): Body[] {
  return (Array.isArray(value) ? value : [value ?? null]).filter(isBody);
}

/** `{ type: { name: [body] } }` as pairs. */
function typedBlocks(value: Json | undefined): [string, string, Body][] {
  if (!isBody(value)) return [];
  return Object.entries(value).flatMap(([type, named]) =>
    isBody(named)
      ? Object.entries(named).flatMap(([name, bodies]) =>
          bodiesOf(bodies).map((body): [string, string, Body] => [type, name, body]),
        )
      : [],
  );
}

/** The google resource and data source types the folders use. */
export async function usedProviderTypes(
  folders: Promise<string[]> | string[],
): Promise<{ resource: Set<string>; data: Set<string> }> {
  const used = { resource: new Set<string>(), data: new Set<string>() };
  for (const folder of await folders) {
    for (const { body } of await parseFolder(folder)) {
      for (const kind of ['resource', 'data'] as const) {
        for (const [type] of typedBlocks(body[kind])) {
          if (type.startsWith('google_')) used[kind].add(type);
        }
      }
    }
  }
  return used;
}

const META_ARGUMENTS = new Set([
  'count',
  'for_each',
  'provider',
  'depends_on',
  'lifecycle',
  'provisioner',
  'connection',
]);
const MODULE_META_ARGUMENTS = new Set([
  'source',
  'version',
  'count',
  'for_each',
  'providers',
  'depends_on',
]);

/** What is wrong with one block's body against its schema, each said with where it is. */
function checkBody(where: string, body: Body, schema: BlockSchema, top: boolean): string[] {
  const problems: string[] = [];
  const present = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    if (top && META_ARGUMENTS.has(key)) continue;
    if (key === 'dynamic') {
      for (const [name, bodies] of Object.entries(isBody(value) ? value : {})) {
        const block = schema.blocks[name];
        if (block === undefined) {
          problems.push(`${where}: no block "${name}" (dynamic)`);
          continue;
        }
        present.add(name);
        for (const dynamic of (Array.isArray(bodies) ? bodies : []).filter(isBody)) {
          for (const content of (Array.isArray(dynamic.content) ? dynamic.content : []).filter(
            isBody,
          )) {
            problems.push(...checkBody(`${where}.${name}`, content, block, false));
          }
        }
      }
      continue;
    }
    present.add(key);
    const block = schema.blocks[key];
    if (block !== undefined) {
      // A block written as an attribute (`key = [...]`) is an expression hcl2json cannot tell apart.
      for (const nested of bodiesOf(value)) {
        problems.push(...checkBody(`${where}.${key}`, nested, block, false));
      }
      continue;
    }
    if (schema.arguments[key] === undefined) {
      problems.push(`${where}: unexpected argument "${key}"`);
    }
  }
  for (const [key, argument] of Object.entries(schema.arguments)) {
    if (argument.required && !present.has(key))
      problems.push(`${where}: missing argument "${key}"`);
  }
  for (const [key, block] of Object.entries(schema.blocks)) {
    if (block.required && !present.has(key)) problems.push(`${where}: missing block "${key}"`);
  }
  return problems;
}

/** Every `[data.]google_type.name[...].attribute` an expression names. */
function references(text: string): { data: boolean; type: string; attribute: string }[] {
  return [...text.matchAll(/(?<![\w.])(data\.)?(google_\w+)\.\w+(?:\[[^\]]*\])?\.(\w+)/g)].map(
    (match) => ({ data: match[1] !== undefined, type: match[2] ?? '', attribute: match[3] ?? '' }),
  );
}

/** The variables of a module, and which of them have no default. */
async function moduleVariables(folder: string): Promise<Map<string, boolean>> {
  const variables = new Map<string, boolean>();
  for (const { body } of await parseFolder(folder)) {
    for (const [name, bodies] of Object.entries(isBody(body.variable) ? body.variable : {})) {
      const first = (Array.isArray(bodies) ? bodies : []).filter(isBody)[0] ?? {};
      variables.set(name, !('default' in first));
    }
  }
  return variables;
}

/** What is wrong with one file's body: its google blocks, module calls and references. */
async function checkFile(
  at: string,
  folder: string,
  body: Body,
  schema: ProviderSchema,
): Promise<string[]> {
  const problems: string[] = [];
  for (const kind of ['resource', 'data'] as const) {
    for (const [type, name, block] of typedBlocks(body[kind])) {
      if (!type.startsWith('google_')) continue;
      const where = `${at}: ${kind === 'data' ? 'data.' : ''}${type}.${name}`;
      const typeSchema = schema[kind][type];
      if (typeSchema === undefined) {
        problems.push(
          `${where}: not in ${providerSchemaPath}; run scripts/extract-provider-schema.ts`,
        );
        continue;
      }
      problems.push(...checkBody(where, block, typeSchema, true));
    }
  }
  for (const [name, bodies] of Object.entries(isBody(body.module) ? body.module : {})) {
    for (const call of bodiesOf(bodies)) {
      const source = typeof call.source === 'string' ? call.source : '';
      if (!source.startsWith('.')) continue;
      const variables = await moduleVariables(resolve(folder, source));
      for (const key of Object.keys(call)) {
        if (!MODULE_META_ARGUMENTS.has(key) && !variables.has(key))
          problems.push(`${at}: module.${name}: "${key}" is not a variable of ${source}`);
      }
      for (const [variable, required] of variables) {
        if (required && !(variable in call))
          problems.push(`${at}: module.${name}: missing variable "${variable}"`);
      }
    }
  }
  for (const reference of references(JSON.stringify(body))) {
    const typeSchema = schema[reference.data ? 'data' : 'resource'][reference.type];
    if (typeSchema !== undefined && !typeSchema.attributes.includes(reference.attribute)) {
      problems.push(
        `${at}: ${reference.data ? 'data.' : ''}${reference.type} has no attribute "${reference.attribute}"`,
      );
    }
  }
  return problems;
}

/**
 * Every problem of the configuration in `folder` against `schema`: arguments and blocks
 * unknown or missing, attributes a reference names that the type does not have, a type the
 * schema does not know, and module calls whose arguments are not the module's variables.
 */
export async function checkFolder(
  root: string,
  folder: string,
  schema: ProviderSchema,
): Promise<string[]> {
  const problems: string[] = [];
  for (const { file, body } of await parseFolder(folder)) {
    problems.push(...(await checkFile(relative(root, join(folder, file)), folder, body, schema)));
  }
  return problems;
}

/**
 * The same check of a rendered workspace (`main.tf.json`, Terraform's JSON syntax), its module
 * sources read from `folder` as the builds check the workspace out.
 */
export async function checkRenderedWorkspace(
  name: string,
  folder: string,
  text: string,
  schema: ProviderSchema,
): Promise<string[]> {
  const body: unknown = JSON.parse(text);
  if (!isBody(body)) throw new Error(`${name}: not a JSON object`);
  return checkFile(name, folder, body, schema);
}
