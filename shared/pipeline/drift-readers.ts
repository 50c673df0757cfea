import { codeownersDrift } from '../core/drift/codeowners-drift.ts';
import { pipelineDrift } from '../core/drift/pipeline-drift.ts';
import { hasErrors } from '../core/issues/issue.ts';
import type { BuildDocument, WorkspaceDocument } from '../core/pipeline/workspace-documents.ts';
import type { DocumentStore } from '../ports/document-store.ts';
import type { DriftReader } from '../ports/drift-reader.ts';
import type { RepositoryRef } from '../ports/repository-source.ts';
import type { RevisionLoader } from './revision-loader.ts';
import { repositoryPaths } from './state-documents.ts';

/**
 * The `codeowners` drift source: `.github/CODEOWNERS` at the default branch's head against
 * the file generated from that commit. A head with errors has no generated file to compare.
 */
export function createCodeownersDriftReader(options: {
  readonly repository: RepositoryRef;
  readonly revisions: RevisionLoader;
  /** The commit at the head of the default branch. */
  readonly head: string;
}): DriftReader {
  return {
    name: 'codeowners',
    async read() {
      const revision = await options.revisions.load(options.repository, options.head);
      if (hasErrors(revision.analysis.issues)) {
        return {
          status: 'failed',
          detail: `${options.head.slice(0, 12)} has errors: CODEOWNERS is generated from valid revisions only`,
          observations: [],
        };
      }
      return {
        status: 'ok',
        detail: `.github/CODEOWNERS at ${options.head.slice(0, 12)} compared with the one generated from it`,
        observations: codeownersDrift(
          revision.codeownersFile,
          revision.analysis.codeowners.text,
          options.head,
        ),
      };
    },
  };
}

/**
 * The `pipeline` drift source: from the pipeline's own documents, workspaces whose last
 * build failed or whose applied revision lags for longer than `maxLagMinutes`.
 */
export function createPipelineDriftReader(options: {
  readonly store: DocumentStore;
  readonly repository: RepositoryRef;
  readonly maxLagMinutes: number;
}): DriftReader {
  const paths = repositoryPaths(options.repository);
  return {
    name: 'pipeline',
    async read(scope) {
      const [workspaces, builds] = await Promise.all([
        options.store.list(paths.workspaces),
        options.store.list(paths.builds),
      ]);
      const buildsOf = new Map<string, BuildDocument[]>();
      for (const entry of builds) {
        const build = entry.data as unknown as BuildDocument;
        buildsOf.set(build.workspace, [...(buildsOf.get(build.workspace) ?? []), build]);
      }
      const documents = workspaces
        .map((entry) => entry.data as unknown as WorkspaceDocument)
        .filter((workspace) => scope.workspace === undefined || workspace.id === scope.workspace);
      // Only the revisions a lagging workspace waits on are read.
      const waiting = new Set<number>();
      for (const workspace of documents) {
        const applied = workspace.lastApplied?.sequence ?? -1;
        for (const build of buildsOf.get(workspace.id) ?? [])
          if (build.apply && build.sequence > applied) waiting.add(build.sequence);
      }
      const sequences = [...waiting];
      const revisions = await options.store.getAll(
        sequences.map((sequence) => paths.revision(sequence)),
      );
      const recorded = new Map(
        sequences.map((sequence, index) => [
          sequence,
          revisions[index]?.['recordedAt'] as string | undefined,
        ]),
      );
      const observations = documents.flatMap((workspace) =>
        pipelineDrift(
          {
            workspace,
            builds: buildsOf.get(workspace.id) ?? [],
            recordedAt: (sequence) => recorded.get(sequence),
          },
          scope.at,
          options.maxLagMinutes,
        ),
      );
      return {
        status: 'ok',
        detail: `${documents.length} workspaces' builds read`,
        observations,
      };
    },
  };
}
