// Parses every .tf file of a Terraform root module with @cdktf/hcl2json, keeping the raw text too,
// so the infra tests can state facts about the configuration as written (shapes as described in
// test/terraform-modules/load-modules.ts).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';
import { blocks, isBody, type Body, type Json } from '../terraform-modules/load-modules.ts';

/** A `resource`, `data` or `module` block: type is "module" for module calls. */
export interface Block {
  readonly file: string;
  readonly type: string;
  readonly name: string;
  readonly body: Body;
}

/** A root module as written: its blocks, locals, variables and outputs, and each file's text. */
export interface RootModule {
  readonly files: ReadonlyMap<string, string>;
  readonly resources: readonly Block[];
  readonly data: readonly Block[];
  readonly calls: readonly Block[];
  readonly locals: ReadonlyMap<string, Json>;
  readonly variables: ReadonlyMap<string, Body>;
  readonly outputs: ReadonlyMap<string, Body>;
  readonly terraform: readonly Body[];
  readonly readme: string;
}

export const infraDir = fileURLToPath(new URL('../../infra/', import.meta.url));

function named(value: unknown): [string, Body[]][] {
  if (!isBody(value)) return [];
  return Object.entries(value).map(([key, bodies]) => [
    key,
    Array.isArray(bodies) ? bodies.filter(isBody) : [],
  ]);
}

function typed(file: string, value: unknown): Block[] {
  return named(value).flatMap(([type]) =>
    named((value as Body)[type]).flatMap(([name, bodies]) =>
      bodies.map((body) => ({ file, type, name, body })),
    ),
  );
}

/** Loads every .tf file of `dir` (default: infra/), one after the other (one hcl2json instance). */
export async function loadRootModule(dir: string = infraDir): Promise<RootModule> {
  const entries = (await readdir(dir)).sort();
  const files = new Map<string, string>();
  const resources: Block[] = [];
  const data: Block[] = [];
  const calls: Block[] = [];
  const locals = new Map<string, Json>();
  const variables = new Map<string, Body>();
  const outputs = new Map<string, Body>();
  const terraform: Body[] = [];
  for (const file of entries.filter((entry) => entry.endsWith('.tf'))) {
    const source = await readFile(join(dir, file), 'utf8');
    files.set(file, source);
    const parsed: unknown = await parse(file, source);
    if (!isBody(parsed)) throw new Error(`${file}: hcl2json returned no object`);
    resources.push(...typed(file, parsed.resource));
    data.push(...typed(file, parsed.data));
    for (const [name, bodies] of named(parsed.module)) {
      calls.push(...bodies.map((body) => ({ file, type: 'module', name, body })));
    }
    for (const block of blocks(parsed, 'locals')) {
      for (const [name, value] of Object.entries(block)) {
        if (locals.has(name)) throw new Error(`${file}: local.${name} is defined twice`);
        locals.set(name, value);
      }
    }
    for (const [name, bodies] of named(parsed.variable)) variables.set(name, bodies[0] ?? {});
    for (const [name, bodies] of named(parsed.output)) outputs.set(name, bodies[0] ?? {});
    terraform.push(...blocks(parsed, 'terraform'));
  }
  const readme = entries.includes('README.md')
    ? await readFile(join(dir, 'README.md'), 'utf8')
    : '';
  return { files, resources, data, calls, locals, variables, outputs, terraform, readme };
}

/** Every string anywhere in a parsed value (attribute values and expressions alike). */
export function strings(value: Json | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isBody(value)) return Object.values(value).flatMap(strings);
  return [];
}

/** The one block of `type` named `name`, or an error that says which is missing. */
export function resource(module: RootModule, type: string, name: string): Block {
  const found = module.resources.find((block) => block.type === type && block.name === name);
  if (found === undefined) throw new Error(`infra: no resource ${type}.${name}`);
  return found;
}

/** `type.name` as Terraform writes it. */
export function address(block: Block): string {
  return block.type === 'module' ? `module.${block.name}` : `${block.type}.${block.name}`;
}
