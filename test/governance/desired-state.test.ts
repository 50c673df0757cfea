import { describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import {
  buildDesiredState,
  type DesiredState,
} from '../../shared/core/governance/desired-state.ts';
import {
  validateRepository,
  type RepositoryFile,
} from '../../shared/core/validate/validate-repository.ts';
import { examplesDirectory } from '../support/corpus.ts';

const files = readRepositoryFiles(examplesDirectory, 10_000);
const base = buildDesiredState(validateRepository(files).manifests);

function edited(path: string, replace: string, by: string): RepositoryFile[] {
  return files.map((file) => {
    if (file.path !== path) return file;
    const text = new TextDecoder().decode(file.bytes);
    if (!text.includes(replace)) throw new Error(`${path} does not contain ${replace}`);
    return { path, bytes: new TextEncoder().encode(text.replace(replace, by)) };
  });
}

/** The graph as plain data, to compare graphs built different ways. */
function plain(state: DesiredState) {
  return {
    nodes: [...state.nodes.values()].map(({ source, ...node }) => ({ ...node, text: source.text })),
    edges: state.edges,
    instances: state.instances,
    workspaces: state.workspaces,
  };
}

const DC =
  'organization/kestrel-freight/organizational-unit/shipping/environment/production/project/shipments/deployment-config/shipment-api.yaml';
const PROJECT =
  'organization/kestrel-freight/organizational-unit/shipping/environment/production/project/shipments.yaml';

describe('the desired-state graph', () => {
  it('is the same whatever the order of the manifests', () => {
    const reversed = buildDesiredState([...validateRepository(files).manifests].reverse());
    expect(plain(reversed)).toEqual(plain(base));
  });

  it.each([
    ['a leaf changes', DC, 'min: 2', 'min: 3'],
    [
      'a manifest others inherit from changes',
      PROJECT,
      'displayName: Shipments - Production',
      'displayName: Shipping',
    ],
  ])(
    'built from the previous graph when %s, equals one built from scratch',
    (_case, path, replace, by) => {
      const head = validateRepository(edited(path, replace, by)).manifests;
      const reused = buildDesiredState(head, base);
      expect(plain(reused)).toEqual(plain(buildDesiredState(head)));
      const changed = [...reused.nodes.values()].find((node) => node.file === path);
      expect(changed?.source.text).toContain(by);
    },
  );

  it('reuses the nodes of unchanged files when only a leaf changes', () => {
    const head = buildDesiredState(
      validateRepository(edited(DC, 'min: 2', 'min: 3')).manifests,
      base,
    );
    const reusedNodes = [...head.nodes].filter(([id, node]) => base.nodes.get(id) === node);
    expect(reusedNodes).toHaveLength(base.nodes.size - 1);
  });
});
