// The plan guard's allowlist of resource types is generated from terraform-modules/; it must
// say exactly what the modules declare, or a new module resource would be refused at apply
// (and a removed one still admitted).
import { describe, expect, it } from 'vitest';
import { moduleResourceTypes } from '../../shared/core/plan-guard/module-resource-types.ts';
import { loadModules } from '../terraform-modules/load-modules.ts';

const regenerate = './scripts/dev node scripts/generate-module-resource-types.ts';

describe('the generated list of module resource types', () => {
  it('is what the modules under terraform-modules/ declare', async () => {
    const modules = await loadModules();
    const declared = Object.fromEntries(
      modules.map((module) => [
        module.name,
        [...new Set(module.resources.map((resource) => resource.type))].sort(),
      ]),
    );
    expect(
      moduleResourceTypes,
      `shared/core/plan-guard/module-resource-types.ts is out of date: run ${regenerate}`,
    ).toEqual(declared);
  });
});
