// The nearest honest stand-in for `terraform plan` of rendered workspaces where the google
// provider cannot be downloaded: real terraform evaluates each module's own expressions with
// the arguments the renderer passes, and the result is written as the resource changes of a
// saved plan, for the plan guard to judge.
//
// How: every module under terraform-modules/ is rewritten as a module without resources, whose
// variables (validation left out, types and defaults kept) and locals are the module's, and
// whose outputs are its resource blocks, one object per instance (for_each, count and dynamic
// blocks expanded by terraform). The rendered root modules call these rewritten modules with
// their own arguments; root resources become outputs too. What only a provider or an apply
// would know (another resource's attributes, another module's outputs, data sources) is
// replaced by a marker and reported as unknown, as a real plan reports it in after_unknown.
//
// What it cannot see: provider defaults and computed attributes (only configured attributes
// appear), provider-side normalization, and values a real plan would know through another
// resource's configuration (they stay unknown here).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Body, Module } from '../terraform-modules/load-modules.ts';

/** What this evaluation cannot know; a value holding it is "known after apply". */
export const UNKNOWN_MARK = '<known after apply>';
const unknownLiteral = JSON.stringify(UNKNOWN_MARK);

/** A module call to evaluate: the directory under terraform-modules/ and its arguments. */
export interface ModuleCall {
  readonly module: string;
  readonly source: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** A root module to evaluate: module calls and resources written at the root. */
export interface RootToEvaluate {
  readonly calls: Readonly<Record<string, ModuleCall>>;
  readonly resources: Readonly<Record<string, Readonly<Record<string, Body>>>>;
}

/** One resource instance as terraform evaluated it. */
export interface EvaluatedResource {
  readonly call: string | undefined;
  readonly type: string;
  readonly name: string;
  readonly index: string | number | undefined;
  readonly value: unknown;
}

// ---------------------------------------------------------------------------------- templates

/** The index just past the `}` that closes an interpolation whose expression starts at `start`. */
function expressionEnd(text: string, start: number): number {
  const stack: ('expression' | 'string')[] = ['expression'];
  for (let index = start; index < text.length; index += 1) {
    const mode = stack.at(-1);
    const char = text[index];
    if (mode === 'string') {
      if (char === '\\') index += 1;
      else if (char === '"') stack.pop();
      else if (text.startsWith('$${', index)) index += 2;
      else if (text.startsWith('${', index)) {
        stack.push('expression');
        index += 1;
      }
    } else if (char === '"') stack.push('string');
    else if (char === '{') stack.push('expression');
    else if (char === '}') {
      stack.pop();
      if (stack.length === 0) return index;
    }
  }
  throw new Error(`unterminated interpolation in ${text}`);
}

/** A template with each interpolated expression passed through `map`; literal text kept. */
function mapTemplate(
  template: string,
  literal: (text: string) => string,
  map: (expression: string) => string,
): string {
  let result = '';
  let index = 0;
  while (index < template.length) {
    if (template.startsWith('$${', index) || template.startsWith('%%{', index)) {
      result += literal(template.slice(index, index + 3));
      index += 3;
    } else if (template.startsWith('${', index)) {
      const end = expressionEnd(template, index + 2);
      result += `\${${map(template.slice(index + 2, end))}}`;
      index = end + 1;
    } else {
      result += literal(template[index] ?? '');
      index += 1;
    }
  }
  return result;
}

// Another resource or data source: `google_x.name…`, `data.google_x.name…`, `module.name…`.
// An index may itself hold one level of index: `this[rule.destinations[0].backend].id`.
const OUTSIDE_REFERENCE =
  /(?<![.\w])(?:data\.[a-z][a-z0-9_]*|google_[a-z0-9_]+|module)\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:[^[\]]|\[[^\]]*\])*\]|\.[A-Za-z_][A-Za-z0-9_]*)*/g;

/** Rewrites an expression so that it evaluates outside a resource block. */
function rewrite(expression: string, iterators: readonly string[]): string {
  let result = expression.replaceAll(OUTSIDE_REFERENCE, unknownLiteral);
  result = result
    .replaceAll(/(?<![.\w])each\.value\b/g, 'each_value')
    .replaceAll(/(?<![.\w])each\.key\b/g, 'each_key')
    .replaceAll(/(?<![.\w])count\.index\b/g, 'count_index');
  for (const iterator of iterators) {
    result = result
      .replaceAll(new RegExp(`(?<![.\\w])${iterator}\\.value\\b`, 'g'), `dynamic_${iterator}_value`)
      .replaceAll(new RegExp(`(?<![.\\w])${iterator}\\.key\\b`, 'g'), `dynamic_${iterator}_key`);
  }
  return result;
}

function escapeLiteral(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** A value of a body (hcl2json or Terraform JSON syntax) as one HCL expression. */
function hcl(value: unknown, iterators: readonly string[]): string {
  if (typeof value === 'string') {
    return `"${mapTemplate(value, escapeLiteral, (expression) => rewrite(expression, iterators))}"`;
  }
  if (Array.isArray(value)) return `[${value.map((item) => hcl(item, iterators)).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return hclBody(value as Body, iterators);
  return JSON.stringify(value ?? null);
}

// Meta-arguments and blocks that configure Terraform, not the resource.
const META = new Set([
  'count',
  'for_each',
  'lifecycle',
  'depends_on',
  'provider',
  'provisioner',
  'connection',
  'dynamic',
]);

/** A block body (or map) as an object expression, dynamic blocks expanded by `for`. */
function hclBody(body: Body, iterators: readonly string[]): string {
  const entries = new Map<string, string>();
  for (const [key, value] of Object.entries(body)) {
    if (!META.has(key)) entries.set(key, hcl(value, iterators));
  }
  const dynamic = body['dynamic'];
  if (typeof dynamic === 'object' && dynamic !== null && !Array.isArray(dynamic)) {
    for (const [name, headers] of Object.entries(dynamic)) {
      const expanded = (Array.isArray(headers) ? headers : []).map((header) => {
        const { for_each: forEach, iterator, content } = header as Body;
        const it = typeof iterator === 'string' ? iterator.replace(/^\$\{(.*)\}$/, '$1') : name;
        const inner = [...iterators, it];
        const contentBody = Array.isArray(content) ? (content[0] as Body) : {};
        return `[for dynamic_${it}_key, dynamic_${it}_value in ${hcl(forEach, iterators)} : ${hclBody(contentBody, inner)}]`;
      });
      const existing = entries.get(name);
      entries.set(name, `concat(${[existing ?? '[]', ...expanded].join(', ')})`);
    }
  }
  return `{ ${[...entries].map(([key, value]) => `${JSON.stringify(key)} = ${value}`).join(', ')} }`;
}

/** `{ key => object }` of every instance of a resource block. */
function instances(body: Body): string {
  const object = hclBody(body, []);
  if (body['for_each'] !== undefined) {
    return `{ for each_key, each_value in ${hcl(body['for_each'], [])} : each_key => ${object} }`;
  }
  if (body['count'] !== undefined) {
    return `{ for count_index in range(${hcl(body['count'], [])}) : tostring(count_index) => ${object} }`;
  }
  return `{ "" = ${object} }`;
}

function outputName(type: string, name: string): string {
  return `${type}__${name}`;
}

// ---------------------------------------------------------------------------------- modules

/** The module rewritten without resources: its resource blocks are its outputs. */
function evaluationModule(module: Module): object {
  const variables = Object.fromEntries(
    [...module.variables].map(([name, variable]) => {
      const { type, default: defaultValue, nullable } = variable.body;
      return [
        name,
        {
          ...(typeof type === 'string' ? { type: type.replace(/^\$\{([\s\S]*)\}$/, '$1') } : {}),
          ...(defaultValue === undefined ? {} : { default: defaultValue }),
          ...(nullable === undefined ? {} : { nullable }),
        },
      ];
    }),
  );
  const locals = Object.fromEntries(
    [...module.locals].map(([name, value]) => [name, `\${${hcl(value, [])}}`]),
  );
  const output = Object.fromEntries(
    module.resources.map((resource) => [
      outputName(resource.type, resource.name),
      { value: `\${${instances(resource.body)}}` },
    ]),
  );
  return { variable: variables, ...(module.locals.size > 0 ? { locals } : {}), output };
}

/** A root module's argument (Terraform JSON syntax) with outside references marked. */
function argument(value: unknown): unknown {
  if (typeof value === 'string')
    return mapTemplate(
      value,
      (text) => text,
      (expression) => rewrite(expression, []),
    );
  if (Array.isArray(value)) return value.map(argument);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, argument(item)]));
  }
  return value;
}

/**
 * Evaluates root modules with terraform in `directory`: returns, by root, every resource
 * instance the modules and the root would plan, with its configured attributes.
 */
export function evaluateRoots(
  directory: string,
  modules: readonly Module[],
  roots: Readonly<Record<string, RootToEvaluate>>,
): Map<string, EvaluatedResource[]> {
  for (const module of modules) {
    mkdirSync(join(directory, 'modules', module.name), { recursive: true });
    writeFileSync(
      join(directory, 'modules', module.name, 'main.tf.json'),
      JSON.stringify(evaluationModule(module), null, 2),
    );
  }
  const calls: Record<string, object> = {};
  const outputs: Record<string, object> = {};
  const rootNames = Object.keys(roots);
  rootNames.forEach((root, rootIndex) => {
    const { calls: rootCalls, resources } = roots[root] ?? { calls: {}, resources: {} };
    for (const [call, { module, arguments: args }] of Object.entries(rootCalls)) {
      const label = `r${rootIndex}__${call}`;
      calls[label] = { ...(argument(args) as object), source: `./modules/${module}` };
      outputs[label] = { value: `\${module.${label}}` };
    }
    for (const [type, byName] of Object.entries(resources)) {
      for (const [name, body] of Object.entries(byName)) {
        outputs[`r${rootIndex}____${outputName(type, name)}`] = { value: `\${${instances(body)}}` };
      }
    }
  });
  writeFileSync(
    join(directory, 'main.tf.json'),
    JSON.stringify({ module: calls, output: outputs }, null, 2),
  );
  const options = {
    cwd: directory,
    encoding: 'utf8' as const,
    env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
    maxBuffer: 256 * 1024 * 1024,
  };
  for (const args of [
    ['init', '-input=false', '-no-color', '-backend=false'],
    ['apply', '-auto-approve', '-input=false', '-no-color'],
  ]) {
    const run = spawnSync('terraform', args, options);
    if (run.status !== 0) throw new Error(`terraform ${args[0] ?? ''} failed:\n${run.stderr}`);
  }
  const printed = spawnSync('terraform', ['output', '-json', '-no-color'], options);
  const values = JSON.parse(printed.stdout) as Record<string, { value: unknown }>;

  const byModule = new Map(modules.map((module) => [module.name, module]));
  const result = new Map<string, EvaluatedResource[]>();
  rootNames.forEach((root, rootIndex) => {
    const found: EvaluatedResource[] = [];
    const { calls: rootCalls, resources } = roots[root] ?? { calls: {}, resources: {} };
    for (const [call, { module }] of Object.entries(rootCalls)) {
      const moduleOutputs = values[`r${rootIndex}__${call}`]?.value as Record<string, unknown>;
      for (const resource of byModule.get(module)?.resources ?? []) {
        const counted = resource.body['count'] !== undefined;
        const byKey = moduleOutputs[outputName(resource.type, resource.name)] as Record<
          string,
          unknown
        >;
        for (const [key, value] of Object.entries(byKey)) {
          found.push({
            call,
            type: resource.type,
            name: resource.name,
            index: indexOf(key, counted),
            value,
          });
        }
      }
    }
    for (const [type, byName] of Object.entries(resources)) {
      for (const [name, body] of Object.entries(byName)) {
        const byKey = values[`r${rootIndex}____${outputName(type, name)}`]?.value as Record<
          string,
          unknown
        >;
        for (const [key, value] of Object.entries(byKey)) {
          found.push({
            call: undefined,
            type,
            name,
            index: indexOf(key, body['count'] !== undefined),
            value,
          });
        }
      }
    }
    result.set(root, found);
  });
  return result;
}

function indexOf(key: string, counted: boolean): string | number | undefined {
  if (counted) return Number(key);
  return key === '' ? undefined : key;
}

// ---------------------------------------------------------------------------------- plans

/** `after` and `after_unknown` of an evaluated value, as `terraform show -json` splits them. */
export function splitUnknown(value: unknown): { after: unknown; unknown: unknown } {
  if (typeof value === 'string' && value.includes(UNKNOWN_MARK))
    return { after: undefined, unknown: true };
  if (Array.isArray(value)) {
    const parts = value.map(splitUnknown);
    return {
      after: parts.map((part) => part.after ?? null),
      unknown: parts.map((part) => part.unknown),
    };
  }
  if (typeof value === 'object' && value !== null) {
    const after: Record<string, unknown> = {};
    const unknown: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const part = splitUnknown(item);
      if (part.after !== undefined) after[key] = part.after;
      if (part.unknown !== false) unknown[key] = part.unknown;
    }
    return { after, unknown };
  }
  return { after: value, unknown: false };
}

/** A saved plan (as `terraform show -json` prints one) that creates the evaluated resources. */
export function planOf(
  resources: readonly EvaluatedResource[],
  calls: Readonly<Record<string, ModuleCall>>,
): object {
  const address = (resource: EvaluatedResource) =>
    `${resource.call === undefined ? '' : `module.${resource.call}.`}${resource.type}.${resource.name}${
      resource.index === undefined ? '' : `[${JSON.stringify(resource.index)}]`
    }`;
  return {
    format_version: '1.2',
    terraform_version: '1.11.4',
    planned_values: { root_module: {} },
    resource_changes: resources.map((resource) => {
      const { after, unknown } = splitUnknown(resource.value);
      return {
        address: address(resource),
        ...(resource.call === undefined ? {} : { module_address: `module.${resource.call}` }),
        mode: 'managed',
        type: resource.type,
        name: resource.name,
        ...(resource.index === undefined ? {} : { index: resource.index }),
        provider_name: 'registry.terraform.io/hashicorp/google',
        change: {
          actions: ['create'],
          before: null,
          after,
          after_unknown: unknown === false ? {} : unknown,
          before_sensitive: false,
          after_sensitive: {},
        },
      };
    }),
    configuration: {
      root_module: {
        module_calls: Object.fromEntries(
          Object.entries(calls).map(([call, { source }]) => [call, { source }]),
        ),
      },
    },
  };
}

/** Whether a value of the evaluation holds something only an apply would know. */
export function isUnknown(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes(UNKNOWN_MARK);
}
