// Everything the organization workspace makes or grants is in the render configuration's
// parentFolder, infra/bootstrap's workspaces folder, where the build identity's grants are:
// nothing is made at the organization's root, and no grant is made on the organization, where
// it would also reach Infrastream's own projects.
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { peopleRoles } from '../../shared/core/governance/iam-roles.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import {
  exampleRenderConfig,
  exampleRepository,
  renderConfigSchema,
} from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { examplesDirectory } from '../support/corpus.ts';

const config = { ...exampleRenderConfig, parentFolder: 'folders/424242424242' };
const analysis = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
const organizationModel = compileWorkspaces(analysis.state).get('organization');
if (organizationModel === undefined) throw new Error('the examples have no organization workspace');
const text = renderWorkspace(analysis.state, organizationModel, config, exampleRepository);
const rendered = JSON.parse(text) as {
  module: Record<string, { source: string; parent?: string }>;
  resource?: Record<string, Record<string, Record<string, string>>>;
};

describe('the parent folder', () => {
  it('INFRASTREAM_RENDER_PARENT_FOLDER: the units folders are made in the parent folder, nothing at the organization root', () => {
    const units = Object.values(rendered.module).filter(
      (call) => call.source.endsWith('/folder') && !String(call.parent).startsWith('${'),
    );
    expect(units.length).toBeGreaterThan(0);
    for (const unit of units) expect(unit.parent).toBe(config.parentFolder);
    expect(text).not.toContain(`organizations/${config.organizationId}`);
  });

  it("INFRASTREAM_RENDER_ORGANIZATION_GRANTS: the organization's people roles are granted on the parent folder, none on the organization", () => {
    expect(rendered.resource?.['google_organization_iam_member']).toBeUndefined();
    const grants = Object.values(rendered.resource?.['google_folder_iam_member'] ?? {});
    const declared = organizationModel.iam.filter(
      (binding) => binding.resource === 'organization.kestrel-freight',
    );
    expect(declared.length).toBeGreaterThan(0);
    expect(grants).toHaveLength(declared.length);
    const people = new Set(Object.values(peopleRoles).flat());
    for (const grant of grants) {
      expect(grant['folder']).toBe(config.parentFolder);
      expect(people.has(grant['role'] ?? '')).toBe(true);
    }
    expect(grants.map((grant) => grant['role'])).toContain('roles/storage.objectAdmin');
  });

  it('refuses a parent folder that is not folders/<number>, where it is', () => {
    const result = v.safeParse(renderConfigSchema, {
      ...config,
      parentFolder: `organizations/${config.organizationId}`,
    });
    expect(result.success).toBe(false);
    expect(
      result.issues?.map((issue) => [
        (issue.path ?? []).map((item) => String(item.key)).join('.'),
        issue.message,
      ]),
    ).toEqual([['parentFolder', "expected folders/<number>, infra/bootstrap's workspaces_folder"]]);
  });
});
