import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mapConcurrently } from '../core/async/map-concurrently.ts';
import type { DriftObservation } from '../core/drift/drift-finding.ts';
import { manifestLocator } from '../core/drift/manifest-locator.ts';
import { readResourceDrift } from '../core/drift/read-resource-drift.ts';
import type { GovernedRepository } from '../core/pipeline/governed-repository.ts';
import type { WorkspaceDocument } from '../core/pipeline/workspace-documents.ts';
import type { RenderConfig } from '../core/render/render-config.ts';
import { renderWorkspace } from '../core/render/render-workspace.ts';
import type { RevisionLoader } from '../pipeline/revision-loader.ts';
import { repositoryPaths } from '../pipeline/state-documents.ts';
import type { BuildRunner } from '../ports/build-runner.ts';
import type { DocumentStore } from '../ports/document-store.ts';
import type { DriftReader } from '../ports/drift-reader.ts';

/** Refresh-only plans at once: each is a terraform and its providers. */
const CONCURRENT_PLANS = 4;

/**
 * The `terraform` drift source: for each applied workspace, a refresh-only plan of the
 * workspace as rendered at its last applied commit (never HEAD: an unapplied commit is not
 * drift), run by the build runner in `<builds>/<workspace>/<commit>-<sequence>-drift`, beside
 * that commit's build. Its `resource_drift` becomes observations located at the manifest
 * entries they were rendered from. A workspace whose plan fails is reported and left out of
 * the sweep's resolutions.
 */
export function createTerraformDriftReader(options: {
  readonly store: DocumentStore;
  readonly repository: GovernedRepository;
  readonly revisions: RevisionLoader;
  readonly runner: BuildRunner;
  readonly render: RenderConfig;
  /** The builds folder: `<builds>/<workspace>/…`, as the build service names them. */
  readonly directory: string;
  readonly backendConfig?: Readonly<Record<string, string>>;
}): DriftReader {
  const paths = repositoryPaths(options.repository);
  return {
    name: 'terraform',
    async read(scope) {
      const applied = (await options.store.list(paths.workspaces))
        .map((entry) => entry.data as unknown as WorkspaceDocument)
        .filter((workspace) => workspace.lastApplied !== null)
        .filter((workspace) => scope.workspace === undefined || workspace.id === scope.workspace);
      const outcomes = await mapConcurrently(applied, CONCURRENT_PLANS, (workspace) =>
        planWorkspace(workspace).catch((error: unknown) => ({
          workspace: workspace.id,
          error: error instanceof Error ? error.message : String(error),
        })),
      );
      const observations: DriftObservation[] = [];
      const unread: { workspace: string; error: string }[] = [];
      for (const outcome of outcomes) {
        if ('error' in outcome) unread.push(outcome);
        else observations.push(...outcome.observations);
      }
      const planned = applied.length - unread.length;
      const failures = unread
        .slice(0, 3)
        .map((item) => `${item.workspace}: ${item.error.split('\n')[0] ?? ''}`)
        .join('; ');
      return {
        status: unread.length === 0 ? 'ok' : planned === 0 ? 'failed' : 'partial',
        detail:
          applied.length === 0
            ? 'no applied workspace to plan'
            : `${planned} of ${applied.length} applied workspaces planned refresh-only${unread.length === 0 ? '' : `; ${unread.length} failed (${failures}${unread.length > 3 ? '; …' : ''})`}`,
        observations,
        unreadWorkspaces: unread.map((item) => item.workspace),
      };
    },
  };

  async function planWorkspace(
    workspace: WorkspaceDocument,
  ): Promise<{ readonly workspace: string; readonly observations: readonly DriftObservation[] }> {
    const { commit, sequence } = workspace.lastApplied as NonNullable<
      WorkspaceDocument['lastApplied']
    >;
    const revision = await options.revisions.load(options.repository, commit);
    const model = options.revisions.model(revision).workspaces.get(workspace.id);
    if (model === undefined) throw new Error(`${commit} declares no workspace ${workspace.id}`);
    const folder = join(options.directory, workspace.id, `${commit}-${sequence}-drift`);
    const rootModule = renderWorkspace(
      revision.analysis.state,
      model,
      options.render,
      options.repository,
    );
    await mkdir(folder, { recursive: true });
    // Written only when it differs: the folder's `.terraform` of the last sweep stays valid.
    const file = join(folder, 'main.tf.json');
    if ((await readFile(file, 'utf8').catch(() => undefined)) !== rootModule)
      await writeFile(file, rootModule);
    const result = await options.runner.run({
      workspace: workspace.id,
      commit,
      sequence,
      directory: folder,
      apply: false,
      refreshOnly: true,
      ...(options.backendConfig === undefined ? {} : { backendConfig: options.backendConfig }),
    });
    if (result.status !== 'succeeded')
      throw new Error(result.reason ?? `the plan ${result.status}`);
    const read = readResourceDrift(
      result.planJson,
      workspace.id,
      manifestLocator(model, revision.analysis.sources),
    );
    if (!read.ok) throw new Error(read.message);
    return { workspace: workspace.id, observations: read.observations };
  }
}
