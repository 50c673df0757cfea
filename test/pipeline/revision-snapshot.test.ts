import { describe, expect, it } from 'vitest';
import { generateSyntheticOrganization } from '../../bench/synthetic-organization.ts';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { buildPlan, compileGovernance } from '../../shared/core/governance/build-plan.ts';
import type { DesiredState } from '../../shared/core/governance/desired-state.ts';
import { EMPTY_DESIRED_STATE } from '../../shared/core/governance/desired-state.ts';
import { canonical } from '../../shared/core/governance/plan.ts';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { formatText } from '../../shared/core/report/format-text.ts';
import type { RepositoryFile } from '../../shared/core/validate/validate-repository.ts';
import { graphChanges } from '../../shared/pipeline/graph-documents.ts';
import type { RevisionAnalysis } from '../../shared/pipeline/revision-loader.ts';
import {
  decodeRevisionSnapshot,
  encodeRevisionSnapshot,
  snapshotKey,
  SNAPSHOT_FORMAT,
  type SnapshotContents,
} from '../../shared/pipeline/revision-snapshot.ts';
import { baseOrganization, editedOrganization } from '../support/base-organization.ts';
import {
  corpusAvailable,
  corpusDirectory,
  corpusMissingReason,
  examplesDirectory,
} from '../support/corpus.ts';

const REPOSITORY = { owner: 'acme', name: 'platform', id: 42 };

function filesOf(tree: ReadonlyMap<string, Uint8Array>): RepositoryFile[] {
  return [...tree].map(([path, bytes]) => ({ path, bytes }));
}

function roundTrip(contents: SnapshotContents): SnapshotContents {
  const { key, bytes } = encodeRevisionSnapshot(contents);
  const decoded = decodeRevisionSnapshot(bytes, key);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.contents;
}

/** A graph as plain data: its nodes' sources by path and text, the rest as it is. */
function plainState(state: DesiredState) {
  return {
    organization: state.organization?.id,
    nodes: [...state.nodes].map(([id, { source, ...node }]) => [
      id,
      { ...node, source: { path: source.path, text: source.text } },
    ]),
    edges: state.edges,
    instances: state.instances,
    workspaces: state.workspaces,
  };
}

/** What the stages after parse read of an analysis, as plain data. */
function consumed(analysis: RevisionAnalysis) {
  return {
    files: analysis.files,
    manifestCount: analysis.manifestCount,
    issues: analysis.issues,
    sources: [...analysis.sources],
    state: plainState(analysis.state),
    codeowners: analysis.codeowners,
  };
}

/** What the stages make of a revision: the plan from nothing, and every workspace rendered. */
function derived(state: DesiredState) {
  const model = compileGovernance(state);
  const plan = buildPlan(
    { label: null, state: EMPTY_DESIRED_STATE },
    { label: 'head', state, model },
  );
  return {
    plan: plan.workspaces.map((workspace) => canonical(workspace)),
    rendered: [...model.workspaces.values()].map((workspace) =>
      renderWorkspace(state, workspace, exampleRenderConfig, REPOSITORY),
    ),
  };
}

function expectSameAfterRoundTrip(analysis: RevisionAnalysis, codeownersFile?: string) {
  const decoded = roundTrip({ analysis, codeownersFile });
  expect(consumed(decoded.analysis)).toStrictEqual(consumed(analysis));
  expect(decoded.codeownersFile).toBe(codeownersFile);
  expect(derived(decoded.analysis.state)).toStrictEqual(derived(analysis.state));
  // The organization is the graph's own node, not a copy.
  const organization = decoded.analysis.state.organization;
  expect(organization).toBe(decoded.analysis.state.nodes.get(organization?.id ?? ''));
}

describe('a revision snapshot', () => {
  it('gives back what the stages read of the examples, and what they make of it', () => {
    const analysis = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
    expect(analysis.state.nodes.size).toBeGreaterThan(50);
    expectSameAfterRoundTrip(analysis, '* @someone\n');
  });

  it('gives back what the stages read of the island-venues organization', (context) => {
    context.skip(!corpusAvailable, corpusMissingReason);
    expectSameAfterRoundTrip(analyzeRepository(readRepositoryFiles(corpusDirectory, 10_000)));
  });

  it('gives back a synthetic organization of 1,000 manifests, with its instances and warnings', () => {
    const { manifests } = generateSyntheticOrganization({ manifests: 1000, seed: 3 });
    const analysis = analyzeRepository(
      manifests.map((file) => ({ path: file.path, bytes: new TextEncoder().encode(file.text) })),
    );
    expect(analysis.state.instances.length).toBeGreaterThan(0);
    expectSameAfterRoundTrip(analysis);
  });

  it('gives back issues with their locations, and the texts their code frames quote', () => {
    const analysis = analyzeRepository(
      editedOrganization({
        file: 'payments/production/shop/project.yaml',
        replace: 'displayName: Shop - Production',
        with: 'displayName: Shop - Production\n  descripton: typo',
      }),
    );
    expect(analysis.issues.some((issue) => issue.severity === 'error')).toBe(true);
    const decoded = roundTrip({ analysis, codeownersFile: undefined }).analysis;
    expect(decoded.issues).toStrictEqual(analysis.issues);
    const report = (of: RevisionAnalysis) =>
      formatText(
        { manifests: of.manifestCount, files: of.files, issues: of.issues, sources: of.sources },
        { color: false },
      );
    expect(report(decoded)).toBe(report(analysis));
  });

  it('compares with the revision before as the revision itself does', () => {
    const before = analyzeRepository(filesOf(baseOrganization));
    const after = analyzeRepository(
      editedOrganization({
        file: 'payments/production/shop/project.yaml',
        replace: 'displayName: Shop - Production',
        with: 'displayName: The web shop',
      }),
    );
    const changes = (base: DesiredState, head: DesiredState) => {
      const { resources, edges } = graphChanges(base, head);
      return [resources, edges].map((documents) => [
        [...documents.added],
        [...documents.changed],
        documents.removed,
      ]);
    };
    const decoded = (analysis: RevisionAnalysis) =>
      roundTrip({ analysis, codeownersFile: undefined }).analysis.state;
    expect(changes(decoded(before), decoded(after))).toStrictEqual(
      changes(before.state, after.state),
    );
  });

  it('is named by its content: the same tree gives the same key, another tree another', () => {
    const files = filesOf(baseOrganization);
    const first = encodeRevisionSnapshot({
      analysis: analyzeRepository(files),
      codeownersFile: undefined,
    });
    // Analyzed from the revision before (nodes reused, permissions shared differently), the
    // same files give the same bytes.
    const edited = editedOrganization({
      file: 'payments/production/shop/project.yaml',
      replace: 'displayName: Shop - Production',
      with: 'displayName: The web shop',
    });
    const previous = analyzeRepository(edited);
    const again = encodeRevisionSnapshot({
      analysis: analyzeRepository([...files].reverse(), { previous }),
      codeownersFile: undefined,
    });
    expect(again.key).toBe(first.key);
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(snapshotKey(first.bytes)).toBe(first.key);
    const other = encodeRevisionSnapshot({ analysis: previous, codeownersFile: undefined });
    expect(other.key).not.toBe(first.key);
  });

  it('refuses bytes that are not the ones its key names, and another format', () => {
    const analysis = analyzeRepository(filesOf(baseOrganization));
    const { key, bytes } = encodeRevisionSnapshot({ analysis, codeownersFile: undefined });
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length >> 1] = (flipped[flipped.length >> 1] ?? 0) ^ 1;
    expect(decodeRevisionSnapshot(flipped, key)).toStrictEqual({
      ok: false,
      reason: `its hash is ${snapshotKey(flipped)}, not ${key}`,
    });
    expect(decodeRevisionSnapshot(bytes.subarray(0, 100), key).ok).toBe(false);
    // Bytes of another format, named by their own hash: the format is checked too.
    const older = Uint8Array.from(bytes);
    new DataView(older.buffer).setUint32(0, SNAPSHOT_FORMAT + 1);
    expect(decodeRevisionSnapshot(older, snapshotKey(older))).toStrictEqual({
      ok: false,
      reason: `its format is ${SNAPSHOT_FORMAT + 1}, not ${SNAPSHOT_FORMAT}`,
    });
  });
});
