// Parses every .tf file of every module under terraform-modules/ with @cdktf/hcl2json, so the
// hardening tests can state facts about the configuration as written.
//
// hcl2json shape: a literal stays a JSON value (true, "enforced", 65535); an expression becomes a
// string "${...}"; every block is an array of bodies; `dynamic "x"` blocks sit under body.dynamic.x.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Body = Record<string, Json>;

export interface Resource {
  readonly module: string;
  readonly type: string;
  readonly name: string;
  readonly body: Body;
}

export interface Variable {
  readonly name: string;
  readonly body: Body;
}

export interface Module {
  readonly name: string;
  readonly files: readonly string[];
  readonly resources: readonly Resource[];
  readonly data: readonly Resource[];
  /** `module "name" { ... }` calls, with type "module". */
  readonly calls: readonly Resource[];
  readonly variables: ReadonlyMap<string, Variable>;
  readonly locals: ReadonlyMap<string, Json>;
  readonly outputs: ReadonlyMap<string, Body>;
  readonly terraform: readonly Body[];
  readonly readme: string;
}

export const modulesDir = fileURLToPath(new URL('../../terraform-modules/', import.meta.url));

export function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The bodies of a block written out, e.g. `log_config { ... }`. */
export function blocks(body: Body, key: string): Body[] {
  const value = body[key];
  return Array.isArray(value) ? value.filter(isBody) : [];
}

/** The `dynamic "key"` blocks themselves, with their for_each (hcl2json keeps them under body.dynamic). */
export function dynamicHeaders(body: Body, key: string): Body[] {
  const dynamic = body.dynamic;
  return isBody(dynamic) ? blocks(dynamic, key) : [];
}

/** The content bodies of `dynamic "key" { content { ... } }` blocks. */
export function dynamicBlocks(body: Body, key: string): Body[] {
  return dynamicHeaders(body, key).flatMap((header) => blocks(header, 'content'));
}

/** Written-out and dynamic blocks alike. */
export function allBlocks(body: Body, key: string): Body[] {
  return [...blocks(body, key), ...dynamicBlocks(body, key)];
}

/** The first body of a block chain, e.g. path(body, 'client_connection_config', 'ssl_config'). */
export function path(body: Body, ...keys: string[]): Body | undefined {
  let current: Body | undefined = body;
  for (const key of keys) {
    current = current === undefined ? undefined : allBlocks(current, key)[0];
  }
  return current;
}

/** A value as text: strings as they are, anything else as JSON. */
export function text(value: Json | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

export function isExpression(value: Json | undefined): value is string {
  return typeof value === 'string' && value.startsWith('${') && value.endsWith('}');
}

export function references(value: Json | undefined, kind: 'var' | 'local'): string[] {
  const text = JSON.stringify(value ?? null);
  return [...text.matchAll(new RegExp(`\\b${kind}\\.([A-Za-z_][A-Za-z0-9_]*)`, 'g'))].flatMap(
    (match) => (match[1] === undefined ? [] : [match[1]]),
  );
}

/** Variables an expression depends on, following locals transitively. */
export function variableReferences(module: Module, value: Json | undefined): Set<string> {
  const found = new Set(references(value, 'var'));
  const pending = references(value, 'local');
  const seen = new Set<string>();
  for (let local = pending.pop(); local !== undefined; local = pending.pop()) {
    if (seen.has(local)) continue;
    seen.add(local);
    const definition = module.locals.get(local);
    for (const name of references(definition, 'var')) found.add(name);
    pending.push(...references(definition, 'local'));
  }
  return found;
}

/** The text of every validation condition of a variable, joined. */
export function validationText(variable: Variable | undefined): string {
  if (variable === undefined) return '';
  return blocks(variable.body, 'validation')
    .map((validation) => JSON.stringify(validation.condition ?? null))
    .join('\n');
}

/** `{ name: [body, ...] }` as [name, bodies] pairs. */
function entries(value: unknown): [string, Body[]][] {
  if (!isBody(value)) return [];
  return Object.entries(value).map(([key, bodies]) => [
    key,
    Array.isArray(bodies) ? bodies.filter(isBody) : [],
  ]);
}

/** `{ type: { name: [body] } }` as resources. */
function resourcesOf(module: string, value: unknown): Resource[] {
  if (!isBody(value)) return [];
  return Object.entries(value).flatMap(([type, byName]) =>
    entries(byName).flatMap(([name, bodies]) =>
      bodies.map((body) => ({ module, type, name, body })),
    ),
  );
}

async function loadModule(name: string): Promise<Module> {
  const dir = join(modulesDir, name);
  const files = (await readdir(dir)).sort();
  const resources: Resource[] = [];
  const data: Resource[] = [];
  const calls: Resource[] = [];
  const variables = new Map<string, Variable>();
  const locals = new Map<string, Json>();
  const outputs = new Map<string, Body>();
  const terraform: Body[] = [];
  for (const file of files.filter((entry) => entry.endsWith('.tf'))) {
    const parsed: unknown = await parse(file, await readFile(join(dir, file), 'utf8'));
    if (!isBody(parsed)) throw new Error(`${name}/${file}: unexpected hcl2json output`);
    resources.push(...resourcesOf(name, parsed.resource));
    data.push(...resourcesOf(name, parsed.data));
    for (const [call, bodies] of entries(parsed.module)) {
      calls.push(...bodies.map((body) => ({ module: name, type: 'module', name: call, body })));
    }
    for (const [variable, bodies] of entries(parsed.variable)) {
      variables.set(variable, { name: variable, body: bodies[0] ?? {} });
    }
    for (const [output, bodies] of entries(parsed.output)) outputs.set(output, bodies[0] ?? {});
    for (const block of blocks(parsed, 'locals')) {
      for (const [local, value] of Object.entries(block)) locals.set(local, value);
    }
    terraform.push(...blocks(parsed, 'terraform'));
  }
  const readme = files.includes('README.md') ? await readFile(join(dir, 'README.md'), 'utf8') : '';
  return { name, files, resources, data, calls, variables, locals, outputs, terraform, readme };
}

export async function loadModules(): Promise<Module[]> {
  const names = (await readdir(modulesDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const modules: Module[] = [];
  // hcl2json runs one Go/WASM instance; parse the files one after the other.
  for (const name of names) modules.push(await loadModule(name));
  return modules;
}

export function moduleNamed(modules: readonly Module[], name: string): Module {
  const module = modules.find((candidate) => candidate.name === name);
  if (module === undefined) throw new Error(`no module ${name}`);
  return module;
}

export function resourcesOfType(modules: readonly Module[], type: string): Resource[] {
  return modules.flatMap((module) => module.resources.filter((resource) => resource.type === type));
}

export function label(resource: Resource): string {
  return `${resource.module}: ${resource.type}.${resource.name}`;
}
