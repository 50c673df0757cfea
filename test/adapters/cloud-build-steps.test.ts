import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cloudBuildOf,
  defaultCloudBuildSource,
} from '../../shared/adapters/cloud-build-request.ts';
import { defaultStepTimeoutSeconds } from '../../shared/adapters/cloud-build-service.ts';
import { exampleRenderConfig, type RenderConfig } from '../../shared/core/render/render-config.ts';

/**
 * Cloud Build cannot run here, but the steps the builder image runs can: the same commands,
 * in a copy of the repository, with the substitutions applied as Cloud Build applies them.
 * The terraform steps need the google provider and credentials, and do not run.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'infrastream');
const WORKSPACE = 'shipping.development.shipments';

const renderConfig: RenderConfig = {
  ...exampleRenderConfig,
  // Quotes and a dollar: the configuration must reach the file as it is.
  modules: {
    git: `git::https://github.com/acme/$it's"q/infrastream.git//terraform-modules`,
    ref: 'v1.4.0',
  },
};

interface Run {
  readonly code: number;
  readonly output: string;
}

function run(command: string, args: readonly string[], cwd: string, env: Record<string, string>) {
  return new Promise<Run>((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), output: stdout + stderr });
    });
  });
}

let folder: string;
let rootModule: string;

// Rendering the example organization takes seconds, more on a busy machine.
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'infrastream-build-steps-'));
  await writeFile(join(folder, 'config.json'), JSON.stringify(renderConfig));
  const withConfig = await run(
    process.execPath,
    [
      bin,
      'render',
      'examples',
      '--workspace',
      WORKSPACE,
      '--out',
      join(folder, 'planned'),
      '--config',
      join(folder, 'config.json'),
      '--repository',
      'acme/platform#4242',
    ],
    root,
    {},
  );
  expect(withConfig.code).toBe(0);
  rootModule = await readFile(join(folder, 'planned', WORKSPACE, 'main.tf.json'), 'utf8');
}, 60_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/**
 * Runs the builder image's steps of a build in a fresh copy of the example repository; the
 * terraform steps are skipped, and `plan.json` is the given plan, as `terraform show` would
 * have written it.
 */
async function runBuilderSteps(
  planned: string,
  plan = 'clean.json',
): Promise<{ runs: Map<string, Run>; checkout: string }> {
  const build = cloudBuildOf(
    {
      repository: { owner: 'acme', name: 'platform', id: 4242 },
      workspace: WORKSPACE,
      commit: 'c'.repeat(40),
      sequence: 7,
      apply: false,
      rootModule: planned,
    },
    {
      project: 'acme-infrastream',
      serviceAccount: 'terraform-builds@acme-infrastream.iam.gserviceaccount.com',
      builderImage: 'builder',
      terraformImage: 'terraform',
      renderConfig,
      source: defaultCloudBuildSource,
      buildTimeoutSeconds: 3600,
      stepTimeoutSeconds: defaultStepTimeoutSeconds,
    },
  );
  const substitutions = build.substitutions ?? {};
  // Cloud Build's substitution: `$$` is a dollar, `$_NAME` and `${_NAME}` a substitution.
  const substitute = (text: string) =>
    text.replace(/\$(?:(\$)|\{(_\w+)\}|(_\w+))/g, (_match, dollar, braced, bare) =>
      dollar === '$' ? '$' : (substitutions[String(braced ?? bare)] ?? ''),
    );
  const checkout = await mkdtemp(join(folder, 'checkout-'));
  await cp(join(root, 'examples'), checkout, { recursive: true });
  const runs = new Map<string, Run>();
  for (const step of build.steps ?? []) {
    if (step.name !== 'builder') continue;
    if (step.id === 'check-plan') {
      await cp(
        join(root, 'test', 'fixtures', 'plans', plan),
        join(checkout, step.dir ?? '', 'plan.json'),
      );
    }
    const env = Object.fromEntries(
      (step.env ?? []).map((entry) => {
        const value = substitute(entry);
        return [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)];
      }),
    );
    const args = (step.args ?? []).map(substitute);
    const [command, commandArgs] =
      step.entrypoint === 'infrastream'
        ? [process.execPath, [bin, ...args]]
        : [step.entrypoint ?? '', args];
    const result = await run(command, commandArgs, join(checkout, step.dir ?? ''), env);
    runs.set(step.id ?? '', result);
    if (result.code !== 0) break;
  }
  return { runs, checkout };
}

describe('the builder steps of a Cloud Build build', { timeout: 60_000 }, () => {
  it('render the workspace again and find the very root module that was planned', async () => {
    const { runs, checkout } = await runBuilderSteps(rootModule);
    expect([...runs.keys()]).toEqual(['render-config', 'render', 'verify-render', 'check-plan']);
    expect(runs.get('verify-render')).toEqual({
      code: 0,
      output: `.infrastream/rendered/${WORKSPACE}/main.tf.json: OK\n`,
    });
    const written = JSON.parse(
      await readFile(join(checkout, '.infrastream', 'render-config.json'), 'utf8'),
    ) as unknown;
    expect(written).toEqual(renderConfig);
    expect(runs.get('check-plan')?.code).toBe(0);
  });

  it('stop before apply when the plan breaks the policy', async () => {
    const { runs } = await runBuilderSteps(rootModule, 'violations.json');
    expect(runs.get('verify-render')?.code).toBe(0);
    expect(runs.get('check-plan')?.code).toBe(1);
    expect(runs.get('check-plan')?.output).toContain('(plan/open-firewall)');
  });

  it('stop when the rendered module differs from the planned one', async () => {
    const { runs } = await runBuilderSteps(`${rootModule}\n`);
    expect(runs.get('verify-render')?.code).toBe(1);
    expect(runs.get('verify-render')?.output).toContain('FAILED');
    expect(runs.has('check-plan')).toBe(false);
  });
});
