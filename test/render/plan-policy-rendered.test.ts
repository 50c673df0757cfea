// "The rendered example organization's workspaces pass the plan guard." A real `terraform plan`
// needs the google provider, which cannot be downloaded here; this is the nearest honest
// version (see plan-policy-evaluation.ts): terraform evaluates the modules' own expressions
// with the arguments the renderer writes, and the plan guard judges the resulting resource
// changes. The usage example of each module's README is evaluated as well, so that every
// resource type of every module is judged even where the example organization does not use it.
//
// It proves that, for these inputs, every resource the modules and the renderer configure
// passes every rule, with the attributes the rules decide on known (checked below). It cannot
// prove what only the provider decides: defaults of attributes the modules leave unset,
// computed attributes, and what an apply-time value turns out to be.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { afterAll, describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { checkPlan } from '../../shared/core/plan-guard/check-plan.ts';
import { moduleResourceTypes } from '../../shared/core/plan-guard/module-resource-types.ts';
import { rootResourceTypes } from '../../shared/core/plan-guard/root-resource-types.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { corpusAvailable, corpusDirectory, examplesDirectory } from '../support/corpus.ts';
import { isBody, loadModules, modulesDir, type Body } from '../terraform-modules/load-modules.ts';
import {
  evaluateRoots,
  isUnknown,
  planOf,
  type EvaluatedResource,
  type ModuleCall,
  type RootToEvaluate,
} from './plan-policy-evaluation.ts';

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const terraformMissing = terraform.error !== undefined || terraform.status !== 0;

const MODULE_SOURCE = /terraform-modules\/([a-z0-9-]+)\/?$/;

function root(json: Record<string, unknown>): RootToEvaluate {
  const calls: Record<string, ModuleCall> = {};
  for (const [call, body] of Object.entries((json['module'] ?? {}) as Record<string, Body>)) {
    const { source, ...args } = body;
    const module = typeof source === 'string' ? MODULE_SOURCE.exec(source)?.[1] : undefined;
    if (module === undefined)
      throw new Error(`module ${call} has source ${JSON.stringify(source)}`);
    calls[call] = { module, source: `../../terraform-modules/${module}`, arguments: args };
  }
  const resources = (json['resource'] ?? {}) as Record<string, Record<string, Body>>;
  return { calls, resources };
}

/** Every workspace of an organization, rendered. */
function renderedRoots(directory: string, prefix: string): Record<string, RootToEvaluate> {
  const analysis = analyzeRepository(readRepositoryFiles(directory, 10_000));
  const errors = analysis.issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0) throw new Error(`${directory} has errors`);
  return Object.fromEntries(
    [...compileWorkspaces(analysis.state)].map(([id, workspace]) => [
      `${prefix}${id}`,
      root(
        JSON.parse(
          renderWorkspace(analysis.state, workspace, exampleRenderConfig, exampleRepository),
        ) as Record<string, unknown>,
      ),
    ]),
  );
}

/** The usage example of every module's README, as a root module of its own. */
async function readmeRoot(): Promise<RootToEvaluate> {
  const calls: Record<string, ModuleCall> = {};
  for (const module of Object.keys(moduleResourceTypes)) {
    const readme = readFileSync(join(modulesDir, module, 'README.md'), 'utf8');
    for (const [, hcl] of readme.matchAll(/```hcl\n([\s\S]*?)```/g)) {
      const parsed: unknown = await parse(`${module}-README.tf`, hcl ?? '');
      const blocks = isBody(parsed) && isBody(parsed['module']) ? parsed['module'] : {};
      for (const [name, bodies] of Object.entries(blocks)) {
        const body = Array.isArray(bodies) && isBody(bodies[0]) ? bodies[0] : {};
        const { source, ...args } = body;
        if (typeof source !== 'string' || MODULE_SOURCE.exec(source)?.[1] !== module) continue;
        calls[`${module.replaceAll('-', '_')}__${name}`] = {
          module,
          source: `../../terraform-modules/${module}`,
          arguments: args,
        };
      }
    }
  }
  return { calls, resources: {} };
}

const roots: Record<string, RootToEvaluate> = {
  ...renderedRoots(examplesDirectory, 'examples:'),
  ...(corpusAvailable ? renderedRoots(corpusDirectory, 'island-venues:') : {}),
  'module READMEs': await readmeRoot(),
};
const scratch = mkdtempSync(join(tmpdir(), 'plan-guard-rendered-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
const evaluated = terraformMissing
  ? new Map<string, EvaluatedResource[]>()
  : evaluateRoots(scratch, await loadModules(), roots);
const reason = 'terraform is not on PATH: cannot evaluate the modules';

/** Attributes the rules decide on, which must be known for the verdict to mean anything. */
const decisive: Record<string, readonly string[]> = {
  google_compute_firewall: ['direction', 'allow', 'deny', 'source_ranges', 'destination_ranges'],
  google_cloud_run_v2_service: ['ingress', 'invoker_iam_disabled'],
  google_storage_bucket: ['public_access_prevention', 'uniform_bucket_level_access'],
  google_compute_global_address: ['address_type'],
  google_alloydb_instance: ['network_config', 'client_connection_config'],
};

describe('the plan guard on what the rendered workspaces and the modules would plan', () => {
  it.for(Object.keys(roots))('finds nothing in %s', (name, context) => {
    context.skip(terraformMissing, reason);
    const resources = evaluated.get(name) ?? [];
    expect(resources.length).toBeGreaterThan(0);
    const check = checkPlan(planOf(resources, roots[name]?.calls ?? {}));
    expect(check.issues).toEqual([]);
  });

  it('judges every resource type of every module, and every type the renderer writes at the root', (context) => {
    context.skip(terraformMissing, reason);
    const all = [...evaluated.values()].flat();
    const judged = new Set(
      all.filter((resource) => resource.call !== undefined).map((resource) => resource.type),
    );
    const declared = new Set(Object.values(moduleResourceTypes).flat());
    expect([...declared].filter((type) => !judged.has(type))).toEqual([]);
    const atRoot = new Set(
      all.filter((resource) => resource.call === undefined).map((resource) => resource.type),
    );
    expect([...atRoot].sort()).toEqual([...rootResourceTypes].sort());
  });

  it('decides on known values: roles, ingress, firewall ranges, bucket and address settings', (context) => {
    context.skip(terraformMissing, reason);
    const all = [...evaluated.values()].flat();
    const unknown = all.flatMap((resource) => {
      const value = resource.value as Record<string, unknown>;
      const keys = [
        ...(decisive[resource.type] ?? []),
        ...(/_iam_member$/.test(resource.type) ? ['role'] : []),
      ];
      return keys
        .filter((key) => isUnknown(value[key]))
        .map((key) => `${resource.type}.${resource.name} ${key}`);
    });
    expect([...new Set(unknown)]).toEqual([]);
  });
});
