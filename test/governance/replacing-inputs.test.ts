import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  forcedReplacements,
  renderedInputs,
} from '../../shared/core/governance/forced-replacements.ts';
import { replacingInputs } from '../../shared/core/governance/replacing-inputs.ts';

const MODULES = new URL('../../terraform-modules/', import.meta.url);

async function declared(module: string, file: string, pattern: RegExp): Promise<Set<string>> {
  const text = await readFile(new URL(`${module}/${file}`, MODULES), 'utf8');
  return new Set([...text.matchAll(pattern)].map((match) => match.slice(1).join('.')));
}

describe('the table of replacing inputs', () => {
  it('has an entry for every module under terraform-modules/, and for nothing else', async () => {
    const modules = (await readdir(MODULES, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(Object.keys(replacingInputs).sort()).toEqual(modules);
  });

  it.each(Object.keys(replacingInputs))(
    'names only inputs %s declares, and resources its main.tf declares',
    async (module) => {
      const variables = await declared(module, 'variables.tf', /^variable "([^"]+)"/gm);
      const resources = await declared(module, 'main.tf', /^resource "([^"]+)" "([^"]+)"/gm);
      const entry = replacingInputs[module] ?? {};
      for (const [input, replaced] of Object.entries(entry)) {
        expect(variables, `${module} input ${input}`).toContain(input);
        for (const resource of Object.keys(replaced))
          expect(resources, `${module} resource ${resource}`).toContain(resource);
      }
    },
  );

  it('maps each rendered model type to replacing inputs the table has', () => {
    for (const [type, rendered] of Object.entries(renderedInputs)) {
      for (const input of Object.values(rendered.inputs)) {
        expect(replacingInputs[rendered.module]?.[input], `${type} → ${input}`).toBeDefined();
      }
    }
  });
});

describe('forced replacements of a model resource', () => {
  const change = (path: string) => ({ path, before: 'a', after: 'b' });

  it.each([
    ['alloydb_cluster', 'region', 'alloydb', 'region', 'google_alloydb_cluster.this', 'location'],
    ['bucket', 'region', 'bucket', 'location', 'google_storage_bucket.this', 'location'],
    [
      'cloud_run_service',
      'region',
      'cloud-run-service',
      'region',
      'google_cloud_run_v2_service.this',
      'location',
    ],
    [
      'artifact_registry',
      'type',
      'artifact-registry',
      'format',
      'google_artifact_registry_repository.this',
      'format',
    ],
    [
      'public_ingress',
      'domain.name',
      'public-ingress',
      'hosts',
      'google_compute_managed_ssl_certificate.this',
      'managed.domains',
    ],
  ])('%s: a change of %s reaches %s input %s', (type, path, module, input, resource, attribute) => {
    const [forced] = forcedReplacements(type, [change('scanForMalware'), change(path)]);
    expect(forced).toMatchObject({ path, module, input });
    expect(forced?.resources[resource]).toBe(attribute);
  });

  it.each([
    ['alloydb_cluster', 'alloydb.cpuCount'],
    ['alloydb_cluster', 'regional'],
    ['bucket', 'scanForMalware'],
    ['pubsub_topic', 'region'],
    ['pubsub_topic', 'messageRetentionDurationSeconds'],
    ['secret', 'replication'],
    ['project', 'region'],
    ['folder', 'parent'],
    ['no_such_type', 'region'],
    ['constructor', 'region'],
  ])('%s: a change of %s is made in place', (type, path) => {
    expect(forcedReplacements(type, [change(path)])).toEqual([]);
  });
});
