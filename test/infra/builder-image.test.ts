// The builder image (builder/Dockerfile) as the workspace builds use it: linted, its install
// and lock scripts run for real (with stand-in downloads, no registry), and the Cloud Build
// request of a rendered workspace checked against what the image holds.
import { execFile, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cloudBuildOf,
  defaultCloudBuildSource,
} from '../../shared/adapters/cloud-build-request.ts';
import { defaultStepTimeoutSeconds } from '../../shared/adapters/cloud-build-service.ts';
import { exampleRenderConfig, type RenderConfig } from '../../shared/core/render/render-config.ts';
import { text } from '../terraform-modules/load-modules.ts';
import { loadRootModule } from './load-infra.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const builder = join(root, 'builder');
const dockerfile = await readFile(join(builder, 'Dockerfile'), 'utf8');
const lockFile = await readFile(join(builder, 'terraform', '.terraform.lock.hcl'), 'utf8');

const terraform = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
const noTerraform = terraform.error !== undefined || terraform.status !== 0;
const noZip = spawnSync('zip', ['-v'], { encoding: 'utf8' }).status !== 0;

/** The instructions of the Dockerfile, continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
  .map((line) => {
    const [keyword = '', ...rest] = line.trim().split(/\s+/);
    return { keyword: keyword.toUpperCase(), rest: rest.join(' ') };
  });

/** The default of a build argument. */
function buildArgument(name: string): string {
  const found = instructions.find(
    (instruction) => instruction.keyword === 'ARG' && instruction.rest.startsWith(`${name}=`),
  );
  if (found === undefined) throw new Error(`builder/Dockerfile: no ARG ${name}=`);
  return found.rest.slice(name.length + 1);
}

/** A version as numbers, for comparing. */
function numbers(version: string): number[] {
  return version.split('.').map(Number);
}

function compare(a: string, b: string): number {
  const [x, y] = [numbers(a), numbers(b)];
  for (let index = 0; index < Math.max(x.length, y.length); index++) {
    const difference = (x[index] ?? 0) - (y[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Whether `version` meets a Terraform version constraint such as `>= 1.6, ~> 6.18`. */
function satisfies(version: string, constraint: string): boolean {
  return constraint.split(',').every((part) => {
    const [, operator = '=', bound = ''] =
      /^\s*(~>|>=|<=|>|<|=|!=)?\s*([\d.]+)\s*$/.exec(part) ?? [];
    if (bound === '') throw new Error(`not a version constraint: ${part}`);
    const order = compare(version, bound);
    switch (operator) {
      case '~>': {
        // ~> 6.18 allows 6.x from 6.18; ~> 6.18.1 allows 6.18.x from 6.18.1.
        const fixed = numbers(bound).slice(0, -1);
        return order >= 0 && fixed.every((part, index) => numbers(version)[index] === part);
      }
      case '>=':
        return order >= 0;
      case '<=':
        return order <= 0;
      case '>':
        return order > 0;
      case '<':
        return order < 0;
      case '!=':
        return order !== 0;
      default:
        return order === 0;
    }
  });
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd ?? root, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code), output: stdout + stderr });
      },
    );
  });
}

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'infrastream-builder-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('builder/Dockerfile', () => {
  it('INFRASTREAM_BUILDER_LINT: parses without a diagnostic, and a broken one does not', () => {
    expect(validate(dockerfile)).toEqual([]);
    expect(validate(dockerfile.replace('FROM node', 'FORM node')).length).toBeGreaterThan(0);
  });

  it('INFRASTREAM_BUILDER_PINNED: Node by exact version, at least the one package.json needs; terraform by version and SHA-256', async () => {
    const from = instructions.filter((instruction) => instruction.keyword === 'FROM');
    expect(from).toHaveLength(1);
    const [, node = ''] =
      /^node:(\d+\.\d+\.\d+)-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/.exec(from[0]?.rest ?? '') ?? [];
    const engines = (
      JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
        engines: { node: string };
      }
    ).engines.node;
    expect(satisfies(node, engines), `node ${node} against ${engines}`).toBe(true);
    expect(buildArgument('TERRAFORM_VERSION')).toMatch(/^\d+\.\d+\.\d+$/);
    expect(buildArgument('TERRAFORM_SHA256')).toMatch(/^[0-9a-f]{64}$/);
    expect(instructions.filter((instruction) => instruction.keyword === 'ADD')).toEqual([]);
    expect(dockerfile).toContain(
      'install-terraform.sh "${TERRAFORM_VERSION}" "${TERRAFORM_SHA256}" /usr/local',
    );
  });

  it('INFRASTREAM_BUILDER_CLI: copies every folder the CLI loads code from, and installs it as infrastream', async () => {
    const copied = new Set(
      instructions
        .filter((instruction) => instruction.keyword === 'COPY')
        .map((instruction) => instruction.rest.split(' ')[0]?.replace(/\/$/, '')),
    );
    // The folders reached from bin/infrastream through relative imports.
    const reached = new Set<string>(['bin']);
    const pending = ['bin/infrastream'];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const file = pending.pop() ?? '';
      if (seen.has(file)) continue;
      seen.add(file);
      const source = await readFile(join(root, file), 'utf8');
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = join(file, '..', match[1] ?? '');
        if (!/\.(ts|js|json)$/.test(target)) continue;
        reached.add(target.split('/')[0] ?? '');
        pending.push(target);
      }
    }
    expect([...reached].filter((top) => !copied.has(top) && top !== 'package.json')).toEqual([]);
    expect(copied.has('package.json')).toBe(true);
    expect(dockerfile).toContain(
      'ln -s /opt/infrastream/cli/bin/infrastream /usr/local/bin/infrastream',
    );
    // The build context is trimmed to what is copied: nothing else of the checkout.
    const ignore = await readFile(join(builder, 'Dockerfile.dockerignore'), 'utf8');
    for (const path of copied) expect(ignore, path).toContain(`!${path}`);
  });
});

describe('builder/install-terraform.sh', () => {
  it('INFRASTREAM_BUILDER_INSTALL: installs the release whose archive has the SHA-256, and nothing else', async (context) => {
    context.skip(
      noTerraform || noZip,
      'terraform or zip is not on PATH: no release to stand in for',
    );
    const version = (JSON.parse(terraform.stdout) as { terraform_version: string })
      .terraform_version;
    const binary = spawnSync('sh', ['-c', 'command -v terraform'], {
      encoding: 'utf8',
    }).stdout.trim();
    // A stand-in for HashiCorp's releases: the terraform on this machine, zipped as they zip it.
    const releases = join(folder, 'releases');
    const staged = join(folder, 'staged');
    await mkdir(join(releases, version), { recursive: true });
    await mkdir(staged, { recursive: true });
    await cp(binary, join(staged, 'terraform'));
    const archive = join(releases, version, `terraform_${version}_linux_amd64.zip`);
    // Stored, not deflated: the archive's bytes matter here, not its size.
    expect((await run('zip', ['-q', '-0', '-j', archive, join(staged, 'terraform')])).code).toBe(0);
    const sha256 = createHash('sha256')
      .update(await readFile(archive))
      .digest('hex');
    const env = { TERRAFORM_RELEASES: pathToFileURL(releases).href };
    const script = join(builder, 'install-terraform.sh');

    const wrong = join(folder, 'wrong');
    const refused = await run('sh', [script, version, 'f'.repeat(64), wrong], { env });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`does not have the SHA-256 ${'f'.repeat(64)}`);
    await expect(readdir(wrong)).rejects.toThrow();

    const prefix = join(folder, 'prefix');
    const installed = await run('sh', [script, version, sha256, prefix], { env });
    expect(installed.code, installed.output).toBe(0);
    const ran = await run(join(prefix, 'bin', 'terraform'), ['version']);
    expect(ran.output).toContain(`Terraform v${version}`);

    const usage = await run('sh', [script, 'latest', sha256, prefix], { env });
    expect([usage.code, usage.output]).toEqual([
      2,
      "install-terraform: expected a version such as 1.11.4, found 'latest'\n",
    ]);
  });
});

describe('builder/lock-providers.sh', () => {
  it('INFRASTREAM_BUILDER_LOCK: writes the lock file of the pinned provider from a mirror', async (context) => {
    context.skip(noTerraform || noZip, 'terraform or zip is not on PATH: cannot run the lock step');
    const copy = join(folder, 'builder');
    await cp(builder, copy, { recursive: true });
    const version = /version = "([\d.]+)"/.exec(
      await readFile(join(builder, 'terraform', 'versions.tf'), 'utf8'),
    )?.[1];
    // A stand-in package of the provider in a packed mirror, as terraform providers mirror lays it.
    const mirror = join(folder, 'mirror', 'registry.terraform.io', 'hashicorp', 'google');
    await mkdir(mirror, { recursive: true });
    const plugin = join(folder, `terraform-provider-google_v${version}_x5`);
    await writeFile(plugin, '#!/bin/sh\necho stand-in\n');
    const archive = join(mirror, `terraform-provider-google_${version}_linux_amd64.zip`);
    expect((await run('zip', ['-q', '-j', archive, plugin])).code).toBe(0);

    const locked = await run('sh', [join(copy, 'lock-providers.sh'), join(folder, 'mirror')]);
    expect(locked.code, locked.output).toBe(0);
    const written = await readFile(join(copy, 'terraform', '.terraform.lock.hcl'), 'utf8');
    expect(written).toContain(
      `provider "registry.terraform.io/hashicorp/google" {\n  version     = "${version}"`,
    );
    // From a mirror terraform can only hash what it unpacks (h1:); the registry adds zh: too.
    expect(written).toMatch(/hashes = \[\n {4}"h1:[A-Za-z0-9+/]{43}=",\n {2}\]/);
    // The committed lock file is of the same version.
    expect(lockFile).toContain(`version     = "${version}"`);

    // The image build's check, as the Dockerfile runs it: the stand-in passes against the lock
    // file written from it, and is refused against the committed one, the registry's.
    const verify = ['init', '-backend=false', '-input=false', '-lockfile=readonly'];
    expect(dockerfile).toContain(
      `terraform ${verify.join(' ')} -plugin-dir=/opt/infrastream/providers`,
    );
    const installFrom = (lock: string) =>
      run('terraform', [...verify, '-no-color', `-plugin-dir=${join(folder, 'mirror')}`], {
        cwd: join(copy, 'terraform'),
        env: { TF_DATA_DIR: join(folder, `data-${lock}`) },
      });
    expect((await installFrom('written')).code).toBe(0);
    await cp(
      join(builder, 'terraform', '.terraform.lock.hcl'),
      join(copy, 'terraform', '.terraform.lock.hcl'),
    );
    const refused = await installFrom('committed');
    expect(refused.code).toBe(1);
    expect(refused.output.replace(/[│\s]+/g, ' ')).toContain(
      "doesn't match any of the checksums previously recorded in the dependency lock file",
    );
  });
});

describe('the Cloud Build request against the builder image', () => {
  const WORKSPACE = 'shipping.development.shipments';
  const renderConfig: RenderConfig = {
    ...exampleRenderConfig,
    modules: {
      git: 'git::https://github.com/acme/infrastream.git//terraform-modules',
      ref: 'v1.4.0',
    },
  };

  it('INFRASTREAM_BUILDER_REQUEST: every step runs the builder image, with programs it installs, at versions the rendered workspace accepts', async () => {
    const out = join(folder, 'rendered');
    await writeFile(join(folder, 'config.json'), JSON.stringify(renderConfig));
    const rendered = await run(process.execPath, [
      join(root, 'bin', 'infrastream'),
      'render',
      'examples',
      '--workspace',
      WORKSPACE,
      '--out',
      out,
      '--config',
      join(folder, 'config.json'),
      '--repository',
      'acme/platform#4242',
    ]);
    expect(rendered.code, rendered.output).toBe(0);
    const rootModule = await readFile(join(out, WORKSPACE, 'main.tf.json'), 'utf8');

    // The images as infra/ configures them: the builder image for every step.
    const infra = await loadRootModule();
    const cloudBuild = text(infra.locals.get('cloud_build_environment'));
    expect(cloudBuild).toContain('builderImage   = var.builder_image');
    expect(cloudBuild).toContain('terraformImage = var.builder_image');
    const image = `europe-docker.pkg.dev/acme-infrastream/infrastream-builder/builder@sha256:${'a'.repeat(64)}`;
    const build = cloudBuildOf(
      {
        repository: { owner: 'acme', name: 'platform', id: 4242 },
        workspace: WORKSPACE,
        commit: 'c'.repeat(40),
        sequence: 1,
        apply: true,
        rootModule,
      },
      {
        project: 'acme-infrastream',
        serviceAccount: 'infrastream-cloud-build@acme-infrastream.iam.gserviceaccount.com',
        builderImage: image,
        terraformImage: image,
        renderConfig,
        source: defaultCloudBuildSource,
        buildTimeoutSeconds: 3600,
        stepTimeoutSeconds: defaultStepTimeoutSeconds,
      },
    );
    const steps = build.steps ?? [];
    expect(steps.map((step) => step.name)).toEqual(steps.map(() => image));
    // sh comes with the base image; the Dockerfile installs the other two.
    const installs: Record<string, boolean> = {
      sh: true,
      infrastream: dockerfile.includes('/usr/local/bin/infrastream'),
      terraform: dockerfile.includes('install-terraform.sh') && dockerfile.includes('/usr/local'),
    };
    expect(steps.map((step) => installs[step.entrypoint ?? ''] ?? false)).toEqual(
      steps.map(() => true),
    );

    // The image's terraform and provider meet what the rendered workspace and its modules ask.
    const terraformVersion = buildArgument('TERRAFORM_VERSION');
    const providerVersion = /version\s+= "([\d.]+)"/.exec(lockFile)?.[1] ?? '';
    const settings = (
      JSON.parse(rootModule) as {
        terraform: {
          required_version: string;
          required_providers: { google: { version: string } };
        };
      }
    ).terraform;
    expect(satisfies(terraformVersion, settings.required_version)).toBe(true);
    expect(satisfies(providerVersion, settings.required_providers.google.version)).toBe(true);
    for (const module of await readdir(join(root, 'terraform-modules'))) {
      const versions = await readFile(
        join(root, 'terraform-modules', module, 'versions.tf'),
        'utf8',
      );
      const required = /required_version = "([^"]+)"/.exec(versions)?.[1] ?? '';
      const google = /version\s+= "([^"]+)"/.exec(versions)?.[1] ?? '';
      expect(satisfies(terraformVersion, required), `${module}: terraform ${required}`).toBe(true);
      expect(satisfies(providerVersion, google), `${module}: google ${google}`).toBe(true);
    }
    // Builds take providers from the image's mirror only, filled from the committed lock file.
    expect(dockerfile).toContain('COPY builder/terraform/ /opt/infrastream/terraform/');
    expect(dockerfile).toContain(
      'terraform providers mirror -platform=linux_amd64 /opt/infrastream/providers',
    );
    expect(dockerfile).toContain('ENV TF_CLI_CONFIG_FILE=/etc/infrastream/terraformrc');
    const terraformrc = await readFile(join(builder, 'terraformrc'), 'utf8');
    expect(terraformrc).toContain('path    = "/opt/infrastream/providers"');
    expect(terraformrc).not.toMatch(/\bdirect\b/);
  }, 60_000);

  it('knows a version that does not meet a constraint', () => {
    expect([
      satisfies('6.50.0', '~> 6.18'),
      satisfies('7.0.0', '~> 6.18'),
      satisfies('6.17.0', '~> 6.18'),
      satisfies('1.11.4', '>= 1.6'),
      satisfies('1.5.7', '>= 1.6'),
      satisfies('22.23.3', '>=22.18.0'),
      satisfies('22.17.1', '>=22.18.0'),
    ]).toEqual([true, false, false, true, false, true, false]);
  });
});
