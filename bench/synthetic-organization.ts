import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { planOrganization, type OrganizationPlan } from './synthetic/plan.ts';
import { renderOrganizationLevel } from './synthetic/render-organization.ts';
import { renderProject } from './synthetic/render-project.ts';
import { renderReleases, renderUnit } from './synthetic/render-unit.ts';
import { ENVIRONMENTS } from './synthetic/words.ts';
import type { GeneratedFile } from './synthetic/yaml.ts';

export type { GeneratedFile } from './synthetic/yaml.ts';

export interface SyntheticOptions {
  /** Exactly this many manifests (default 10,000). */
  readonly manifests?: number;
  /** The same seed always yields the same files, byte for byte (default 1). */
  readonly seed?: number;
}

/** What was generated: the manifests, and the other files a repository holds. */
export interface SyntheticOrganization {
  readonly plan: OrganizationPlan;
  /** Exactly `manifests` files, each one valid manifest, sorted by path. */
  readonly manifests: readonly GeneratedFile[];
  /** A README and a CI workflow (YAML, but not a manifest), as real repositories have. */
  readonly others: readonly GeneratedFile[];
}

/**
 * A valid organization in the corpus layout, in memory: a few units with three
 * environments each, many projects per environment with their deployment configs,
 * secrets, databases, topics and ingress routes, release tracks whose applications are
 * placed in every environment, people, nested groups, and the GitHub side.
 */
export function generateSyntheticOrganization(
  options: SyntheticOptions = {},
): SyntheticOrganization {
  const count = options.manifests ?? 10_000;
  const plan = planOrganization(count, options.seed ?? 1);
  const manifests = [
    ...renderOrganizationLevel(plan),
    ...plan.units.flatMap((unit) => renderUnit(plan, unit)),
    ...plan.projects.flatMap((project) => [
      ...ENVIRONMENTS.flatMap((environment) => renderProject(plan, project, environment)),
      ...renderReleases(plan, project),
    ]),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (manifests.length !== count) {
    throw new Error(`generator bug: planned ${count} manifests, rendered ${manifests.length}`);
  }
  const paths = new Set(manifests.map((manifest) => manifest.path));
  if (paths.size !== manifests.length) throw new Error('generator bug: two manifests share a path');
  return { plan, manifests, others: otherFiles(plan) };
}

/**
 * Writes a synthetic organization under `dir` (created if needed) and returns the
 * repository-relative paths of its manifests, sorted. A README and a CI workflow are
 * written beside them, as in a real repository; they are not in the list.
 */
export async function writeSyntheticOrganization(
  dir: string,
  options: SyntheticOptions = {},
): Promise<string[]> {
  const organization = generateSyntheticOrganization(options);
  const files = [...organization.manifests, ...organization.others];
  const directories = new Set(files.map((generated) => dirname(join(dir, generated.path))));
  for (const directory of directories) await mkdir(directory, { recursive: true });
  const batch = 256;
  for (let start = 0; start < files.length; start += batch) {
    await Promise.all(
      files
        .slice(start, start + batch)
        .map((generated) => writeFile(join(dir, generated.path), generated.text)),
    );
  }
  return organization.manifests.map((manifest) => manifest.path);
}

function otherFiles(plan: OrganizationPlan): GeneratedFile[] {
  return [
    {
      path: 'README.md',
      text: `# ${plan.name}\n\nThe manifests of the ${plan.name} organization (synthetic, for benchmarks).\n`,
    },
    {
      path: '.github/workflows/validate.yaml',
      text: [
        'name: Validate manifests',
        '',
        'on:',
        '  pull_request:',
        '    types: [opened, synchronize, reopened]',
        '',
        'jobs:',
        '  validate:',
        '    runs-on: ubuntu-latest',
        '    permissions:',
        '      contents: read',
        '    steps:',
        '      - uses: actions/checkout@v6',
        '      - run: npx infrastream validate .',
        '',
      ].join('\n'),
    },
  ];
}
