// Writes test/fixtures/google-provider-schema.json: the arguments, nested blocks and readable
// attributes of every google resource and data source that infra/, infra/bootstrap/ and
// terraform-modules/ use, read from the prebuilt bindings of the provider (@cdktf/provider-google,
// generated from `terraform providers schema -json` of one provider version). The google
// provider cannot be downloaded where the tests run, so test/infra/provider-schema.test.ts
// checks the configuration against this file instead. Run it after using a new resource type,
// or to move to another provider version, from an unpacked package:
//
//   npm pack @cdktf/provider-google@16.12.1 && tar xzf cdktf-provider-google-16.12.1.tgz
//   ./scripts/dev node scripts/extract-provider-schema.ts package
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import {
  providerSchemaPath,
  terraformRoots,
  usedProviderTypes,
  type BlockSchema,
  type ProviderSchema,
} from '../test/infra/provider-schema.ts';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The object literal that the first `return {` from `from` returns, braces matched. */
function returnedObject(source: string, from: number): string {
  const start = source.indexOf('return {', from);
  if (start < 0) throw new Error('no returned object');
  let depth = 0;
  for (let index = start + 'return '.length; index < source.length; index++) {
    if (source[index] === '{') depth++;
    if (source[index] === '}' && --depth === 0) return source.slice(start, index + 1);
  }
  throw new Error('an object without its end');
}

/** Which keys of a generated interface are optional (`readonly name?:`), by camelCase name. */
function optionalProperties(declarations: string, name: string): Map<string, boolean> {
  const start = declarations.search(new RegExp(`export interface ${name} (extends [^{]+)?\\{`));
  if (start < 0) throw new Error(`no interface ${name}`);
  const end = declarations.indexOf('\n}', start);
  const result = new Map<string, boolean>();
  for (const match of declarations.slice(start, end).matchAll(/readonly (\w+)(\?)?:/g)) {
    result.set(match[1] ?? '', match[2] === '?');
  }
  return result;
}

/** The schema of one object the bindings write out: its attributes and its nested blocks. */
function blockSchema(
  source: string,
  declarations: string,
  body: string,
  interfaceName: string,
): BlockSchema {
  const optional = optionalProperties(declarations, interfaceName);
  const schema: BlockSchema = { arguments: {}, blocks: {} };
  for (const match of body.matchAll(/^\s+(\w+): (.*)\((?:this\._|struct!?\.)(\w+)/gm)) {
    const [, key = '', expression = '', camel = ''] = match;
    const required = optional.get(camel) === false;
    // A nested block is written by a function of its own; a plain attribute by cdktf's.
    const struct = /(?<!cdktf\.)\b([a-z]\w*)ToTerraform\b/.exec(expression)?.[1];
    const functionStart =
      struct === undefined ? -1 : source.indexOf(`function ${struct}ToTerraform(struct)`);
    if (struct === undefined || functionStart < 0) {
      schema.arguments[key] = { required };
      continue;
    }
    const nestedName = struct.charAt(0).toUpperCase() + struct.slice(1);
    schema.blocks[key] = {
      required,
      ...blockSchema(source, declarations, returnedObject(source, functionStart), nestedName),
    };
  }
  return schema;
}

async function typeSchema(
  bindings: string,
  kind: 'resource' | 'data',
  type: string,
): Promise<ProviderSchema['resource'][string]> {
  const folder = `${kind === 'data' ? 'data-google-' : ''}${type.replace(/^google_/, '').replaceAll('_', '-')}`;
  const source = await readFile(join(bindings, 'lib', folder, 'index.js'), 'utf8');
  const declarations = await readFile(join(bindings, 'lib', folder, 'index.d.ts'), 'utf8');
  const className = /^class (\w+) extends cdktf\.Terraform(?:Resource|DataSource)/m.exec(
    source,
  )?.[1];
  if (className === undefined || !source.includes(`${className}.tfResourceType = "${type}";`)) {
    throw new Error(`${folder}: not the bindings of ${kind} ${type}`);
  }
  const synthesize = source.indexOf(
    'synthesizeAttributes() {',
    source.indexOf(`class ${className}`),
  );
  const schema = blockSchema(
    source,
    declarations,
    returnedObject(source, synthesize),
    `${className}Config`,
  );
  // Whatever the bindings can read back is an attribute a reference may name.
  const readable = new Set(
    [...source.matchAll(/this\.get\w*Attribute\('(\w+)'\)/g)].map((match) => match[1] ?? ''),
  );
  for (const key of [...Object.keys(schema.arguments), ...Object.keys(schema.blocks)])
    readable.add(key);
  return { ...schema, attributes: [...readable].sort() };
}

async function main(): Promise<void> {
  const bindings = process.argv[2];
  if (bindings === undefined) throw new Error('usage: extract-provider-schema.ts PACKAGE_DIR');
  const manifest = JSON.parse(await readFile(join(bindings, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    cdktf: { provider: { name: string; version: string } };
  };
  const used = await usedProviderTypes(terraformRoots(root));
  const schema: ProviderSchema = {
    provider: manifest.cdktf.provider.name,
    version: manifest.cdktf.provider.version,
    from: `${manifest.name}@${manifest.version}`,
    resource: {},
    data: {},
  };
  for (const kind of ['resource', 'data'] as const) {
    for (const type of [...used[kind]].sort()) {
      schema[kind][type] = await typeSchema(bindings, kind, type);
    }
  }
  const target = join(root, providerSchemaPath);
  const text = await format(JSON.stringify(schema), {
    ...(await resolveConfig(target)),
    filepath: target,
  });
  await writeFile(target, text);
  console.log(`wrote ${providerSchemaPath}: ${schema.provider} ${schema.version}`);
}

await main();
