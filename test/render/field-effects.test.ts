import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { buildDesiredState } from '../../shared/core/governance/desired-state.ts';
import { fieldPointers, valueAt } from '../../shared/core/manifests/field-pointers.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import type { IndexedManifest } from '../../shared/core/validate/repository-index.ts';
import {
  corpusAvailable,
  corpusDirectory,
  corpusMissingReason,
  examplesDirectory,
} from '../support/corpus.ts';
import { fieldTable, type FieldStatus } from '../support/field-table.ts';
import { schemaFields } from '../support/schema-fields.ts';

/** Every workspace of an organization, rendered, as one text to compare. */
function render(manifests: readonly IndexedManifest[]): string {
  const state = buildDesiredState(manifests);
  return [...compileWorkspaces(state)]
    .map(
      ([id, workspace]) =>
        `# ${id}\n${renderWorkspace(state, workspace, exampleRenderConfig, exampleRepository)}`,
    )
    .join('\n');
}

/** The manifests with every occurrence of one field (or of its nearest optional parent) taken out. */
function without(manifests: readonly IndexedManifest[], kind: string, path: string) {
  let removed = 0;
  const edited = manifests.map((entry) => {
    if (entry.kind !== kind || entry.manifest === undefined) return entry;
    const original = entry.manifest;
    // An empty list or mapping says nothing: taking it out proves nothing either.
    const pointers = fieldPointers(original, path).filter(
      (pointer) => !isEmpty(valueAt(original, pointer)),
    );
    if (pointers.length === 0) return entry;
    const manifest = structuredClone(original);
    // The deepest first, so that an earlier deletion never moves a later one's parent.
    for (const pointer of pointers.reverse()) {
      const parts = pointer.split('/').slice(1);
      const last = parts.pop() ?? '';
      let parent: unknown = manifest;
      for (const part of parts) parent = (parent as Record<string, unknown>)[part];
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else Reflect.deleteProperty(parent as object, last);
      removed++;
    }
    return { ...entry, manifest };
  });
  return { edited, removed };
}

/** An empty list or mapping. */
function isEmpty(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/**
 * For each field of the table that an organization sets, the organization rendered without
 * it: a field the table says is rendered changes the Terraform, and one it says renders
 * nothing (documentation, enforced, not rendered) leaves it byte for byte as it was.
 * Governance fields may do either.
 */
function checkFieldEffects(
  directory: string,
  coincidences: Readonly<Record<string, string>>,
): string[] {
  const analysis = analyzeRepository(readRepositoryFiles(directory, 10_000));
  expect(analysis.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
  const rows = fieldTable(
    readFileSync(new URL('../../docs/manifests.md', import.meta.url), 'utf8'),
  );
  const statusOf = new Map(rows.map((row) => [`${row.kind} ${row.path}`, row.status]));
  const expected: Partial<Record<FieldStatus, 'changes' | 'keeps'>> = {
    rendered: 'changes',
    'partly rendered': 'changes',
    enforced: 'keeps',
    documentation: 'keeps',
    'not rendered': 'keeps',
  };
  const effectOf = (kind: string, path: string) =>
    expected[statusOf.get(`${kind} ${path}`) ?? 'governance'];
  const fields = schemaFields();
  const baseline = render(analysis.manifests);
  const wrong: string[] = [];
  const tried = new Set<string>();
  for (const field of fields) {
    const { kind, removable } = field;
    const effect = effectOf(kind, field.path);
    if (effect === undefined || removable === undefined || tried.has(`${kind} ${removable}`))
      continue;
    tried.add(`${kind} ${removable}`);
    // A required field goes with its nearest optional parent: only where everything under
    // that parent is expected to do the same does taking it out say something.
    const together = fields.filter(
      (other) =>
        other.kind === kind &&
        (other.path === removable ||
          other.path.startsWith(`${removable}.`) ||
          other.path.startsWith(`${removable}[]`)),
    );
    if (together.some((other) => effectOf(kind, other.path) !== effect)) continue;
    const { edited, removed } = without(analysis.manifests, kind, removable);
    if (removed === 0) continue;
    const changed = render(edited) !== baseline;
    const coincidence = coincidences[`${kind} ${removable}`];
    if (coincidence !== undefined) {
      if (changed) wrong.push(`${kind} ${removable}: no longer a coincidence (${coincidence})`);
      continue;
    }
    if (changed !== (effect === 'changes'))
      wrong.push(
        `${kind} ${removable} taken out (${together.map((other) => other.path).join(', ')}): the Terraform ${changed ? 'changes' : 'stays the same'}`,
      );
  }
  return wrong;
}

describe('what each field of the table does to the rendered Terraform', () => {
  it('holds for the example organization', () => {
    expect(
      checkFieldEffects(examplesDirectory, {
        'Project spec.region': 'the projects that name a region name the hub’s, the fallback',
        'PubSub spec.allowedPersistenceRegions':
          'the topics allow their own region only, the fallback',
        'PublicIngress spec.iapPermissions.members':
          'the member is also in the authorization of every rule behind IAP',
        'ReleaseTrack spec.releaseStages': 'the hotfix stages name the same environments',
        'ReleaseTrack spec.hotfixStages': 'the release stages name the same environments',
        'Application spec.accessControl.pubsub.subscribeTo':
          'the topic also notifies the same service, which is the same subscription',
      }),
    ).toEqual([]);
  });

  it('holds for the island-venues corpus', (context) => {
    context.skip(!corpusAvailable, corpusMissingReason);
    expect(
      checkFieldEffects(corpusDirectory, {
        'Database spec.alloydb.cpuCount': 'the clusters ask for 2 vCPUs, the least rendered',
        'PubSub spec.messageRetentionDurationSeconds':
          'the topics keep messages 7 days, the default',
        'PubSub spec.notifications':
          'the service also subscribes to the topic, which is the same subscription',
        'PubSub spec.notifications[].path': 'the notifications push to /, the default',
        'DeploymentConfig spec.ports': 'the services listen on 8080, the default',
        'Application spec.accessControl.pubsub.subscribeTo':
          'the topic also notifies the same service, which is the same subscription',
      }),
    ).toEqual([]);
  });
});
