// docs/deploy.md is followed by copying its commands in order: each must name only variables,
// outputs, resources, secrets and files that exist, and each shell variable must be set by a
// command before the first one that reads it.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRootModule, type RootModule } from '../infra/load-infra.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const guide = await readFile(join(root, 'docs', 'deploy.md'), 'utf8');
const modules: Readonly<Record<string, RootModule>> = {
  infra: await loadRootModule(join(root, 'infra')),
  'infra/bootstrap': await loadRootModule(join(root, 'infra', 'bootstrap')),
};

/** The guide's shell blocks, in order. */
const blocks = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
const commands = blocks.join('\n');

/** Heredocs that write a file: `cat > FILE <<EOF … EOF` (or `>>`). */
const written = [...commands.matchAll(/cat (>>?) (\S+) <<EOF\n([\s\S]*?)\nEOF\n/g)].map(
  (match) => ({ append: match[1] === '>>', file: match[2] ?? '', body: match[3] ?? '' }),
);

function moduleOf(chdir: string): RootModule {
  const module = modules[chdir];
  if (module === undefined)
    throw new Error(`the guide runs terraform in ${chdir}, not a root here`);
  return module;
}

/** The top-level assignments of a .tfvars text (not those inside a heredoc or an object). */
function assigned(tfvars: string): string[] {
  const names: string[] = [];
  let heredoc: string | undefined;
  for (const line of tfvars.split('\n')) {
    if (heredoc !== undefined) {
      if (line.trim() === heredoc) heredoc = undefined;
      continue;
    }
    const match = /^(\w+)\s*=\s*(.*)$/.exec(line);
    if (match === null) continue;
    names.push(match[1] ?? '');
    heredoc = /^<<-?(\w+)$/.exec(match[2] ?? '')?.[1];
  }
  return names;
}

describe('docs/deploy.md', () => {
  it('INFRASTREAM_GUIDE_VARIABLES: sets each shell variable before the first command that reads it', () => {
    const defined = new Set<string>();
    const unset: string[] = [];
    for (const line of commands.split('\n')) {
      // `read` and an assignment define; they may read others on the same line first.
      for (const match of line.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) {
        if (!defined.has(match[1] ?? '')) unset.push(`${match[1] ?? ''}: ${line.trim()}`);
      }
      for (const match of line.matchAll(/(?:^|export |\s)([A-Z][A-Z0-9_]*)=/g)) {
        defined.add(match[1] ?? '');
      }
      const read = /^read(?: -\w+)* ([A-Z][A-Z0-9_]*)$/.exec(line.trim());
      if (read !== null) defined.add(read[1] ?? '');
    }
    // Variables set for one command only (`NAME=value command`) are the command's, not the shell's.
    expect(unset.filter((entry) => !/^INFRASTREAM_/.test(entry))).toEqual([]);
  });

  it('INFRASTREAM_GUIDE_OUTPUTS: reads only outputs the roots have', () => {
    const read = [...commands.matchAll(/terraform -chdir=(\S+) output -raw (\w+)/g)];
    expect(read.length).toBeGreaterThan(3);
    for (const [, chdir = '', output = ''] of read) {
      expect(moduleOf(chdir).outputs.has(output), `${chdir}: output ${output}`).toBe(true);
    }
  });

  it('INFRASTREAM_GUIDE_INPUTS: gives each root only its variables, and every one it requires', () => {
    const files: Record<string, string[]> = {};
    for (const { file, body, append } of written.filter((entry) =>
      entry.file.endsWith('.tfvars'),
    )) {
      const chdir = file.slice(0, file.lastIndexOf('/'));
      const names = assigned(body);
      const variables = moduleOf(chdir).variables;
      for (const name of names) expect(variables.has(name), `${file}: ${name}`).toBe(true);
      if (!append) files[chdir] = names;
      else (files[chdir] ??= []).push(...names);
    }
    expect(Object.keys(files).sort()).toEqual(['infra', 'infra/bootstrap']);
    for (const [chdir, names] of Object.entries(files)) {
      const required = [...moduleOf(chdir).variables]
        .filter(([, variable]) => !('default' in variable))
        .map(([name]) => name);
      expect(
        required.filter((name) => !names.includes(name)),
        chdir,
      ).toEqual([]);
    }
    // Each -var of a command is a variable of the root the command runs in.
    for (const line of commands.split('\n').filter((text) => /-var="/.test(text))) {
      const chdir = /-chdir=(\S+)/.exec(line)?.[1] ?? '';
      for (const [, name = ''] of line.matchAll(/-var="(\w+)=/g)) {
        expect(moduleOf(chdir).variables.has(name), `${chdir}: -var ${name}`).toBe(true);
      }
    }
  });

  it('INFRASTREAM_GUIDE_ADDRESSES: targets, replaces and imports only resources that exist', () => {
    const addresses = [
      ...guide.matchAll(
        /terraform -chdir=(\S+) [^\n]*?-(?:target|replace)='?([\w.]+)(\[[^\]]*\])?/g,
      ),
      ...guide.matchAll(/terraform -chdir=(\S+) import ([\w.]+)/g),
    ];
    expect(addresses.length).toBeGreaterThan(0);
    for (const [, chdir = '', address = ''] of addresses) {
      const [type, name] = address.split('.');
      expect(
        moduleOf(chdir).resources.some((block) => block.type === type && block.name === name),
        `${chdir}: ${address}`,
      ).toBe(true);
    }
  });

  it('INFRASTREAM_GUIDE_SECRETS: adds values to the secrets infra/ creates', () => {
    const secrets = modules.infra?.locals.get('secrets') as Record<string, { secret_id: string }>;
    const ids = Object.values(secrets).map((secret) => secret.secret_id);
    const added = [...commands.matchAll(/gcloud secrets versions add (\S+)/g)].map(
      (match) => match[1] ?? '',
    );
    expect([...added].sort()).toEqual([...ids].sort());
  });

  it('INFRASTREAM_GUIDE_FILES: names only files of the repository, or files it wrote before', async () => {
    const created = new Set(written.map((entry) => entry.file));
    // Written by the bootstrap apply the guide runs before it names the file.
    created.add('infra/bootstrap/terraform.tfstate');
    for (const match of commands.matchAll(/(?:>|--output=")\s*"?([\w.$-]+\.[\w]+)"?/g)) {
      created.add(match[1] ?? '');
    }
    const named = new Set<string>();
    for (const match of guide.matchAll(
      /(?<![\w/.-])((?:infra|builder|scripts|docs|terraform-modules|shared)\/[\w./-]*[\w/])/g,
    )) {
      named.add(match[1] ?? '');
    }
    for (const match of guide.matchAll(/\]\(\.\.\/([^)#]+)/g)) named.add(match[1] ?? '');
    const missing: string[] = [];
    for (const path of named) {
      if (created.has(path)) continue;
      try {
        await access(join(root, path));
      } catch {
        missing.push(path);
      }
    }
    expect(missing).toEqual([]);
  });
});
