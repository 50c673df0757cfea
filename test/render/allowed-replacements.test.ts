import { describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { checkPlan } from '../../shared/core/plan-guard/check-plan.ts';
import { ALLOWED_REPLACEMENTS_OUTPUT } from '../../shared/core/render/allowed-replacements.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { examplesDirectory } from '../support/corpus.ts';

const DATABASE =
  'organization/kestrel-freight/organizational-unit/warehouse/environment/production/project/inventory/database/inventory-db.yaml';
const WORKSPACE = 'warehouse.production.inventory';
const REASON = 'The cluster moves with the VPN; restored from the last backup ${not code}';

/** The example's inventory workspace, rendered and parsed, with the database's spec extended. */
function renderedInventory(specLines: string): Record<string, unknown> {
  const files = readRepositoryFiles(examplesDirectory, 10_000).map((file) =>
    file.path === DATABASE
      ? {
          path: file.path,
          bytes: new TextEncoder().encode(new TextDecoder().decode(file.bytes) + specLines),
        }
      : file,
  );
  const analysis = analyzeRepository(files);
  expect(analysis.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
  const workspace = compileWorkspaces(analysis.state).get(WORKSPACE);
  if (workspace === undefined) throw new Error(`no workspace ${WORKSPACE}`);
  return JSON.parse(
    renderWorkspace(analysis.state, workspace, exampleRenderConfig, exampleRepository),
  ) as Record<string, unknown>;
}

describe('the allowance in the rendered workspace', () => {
  it('is absent while no declaration allows data loss', () => {
    expect(renderedInventory('')['output']).toBeUndefined();
  });

  it("names the declaration's module call and reason, as an escaped literal, and the guard honours it", () => {
    const root = renderedInventory(
      `  lifecycle:\n    allowReplacement: ${JSON.stringify(REASON)}\n`,
    );
    const modules = Object.keys(root['module'] as Record<string, unknown>);
    expect(root['output']).toEqual({
      [ALLOWED_REPLACEMENTS_OUTPUT]: {
        description: expect.any(String) as unknown,
        value: { 'module.alloydb_inventory_db': REASON.replace('${', () => '$${') },
      },
    });
    expect(modules).toContain('alloydb_inventory_db');
    // As terraform show -json prints the configuration of that root: the output's constant.
    const output = (root['output'] as Record<string, { value: unknown }>)[
      ALLOWED_REPLACEMENTS_OUTPUT
    ];
    const plan = {
      format_version: '1.2',
      planned_values: { root_module: {} },
      resource_changes: [
        {
          address: 'module.alloydb_inventory_db.google_alloydb_cluster.this',
          module_address: 'module.alloydb_inventory_db',
          mode: 'managed',
          type: 'google_alloydb_cluster',
          name: 'this',
          change: { actions: ['delete', 'create'], before: {}, after: {} },
        },
      ],
      configuration: {
        root_module: {
          module_calls: { alloydb_inventory_db: { source: '../../terraform-modules/alloydb' } },
          outputs: {
            [ALLOWED_REPLACEMENTS_OUTPUT]: { expression: { constant_value: output?.value } },
          },
        },
      },
    };
    expect(checkPlan(plan).issues.map((issue) => issue.severity)).toEqual(['warning']);
  });
});
