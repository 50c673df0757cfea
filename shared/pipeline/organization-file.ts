import type { RepositoryRef } from '../ports/repository-source.ts';
import type { RevisionLoader } from './revision-loader.ts';

/**
 * The Organization manifest's file at `commit`: where findings that no manifest declares
 * (an unmanaged grant, a protection switched off) are shown; the CODEOWNERS file when the
 * revision has no Organization.
 */
export async function organizationFile(
  revisions: RevisionLoader,
  repository: RepositoryRef,
  commit: string,
): Promise<string> {
  const { state } = (await revisions.load(repository, commit)).analysis;
  for (const node of state.nodes.values())
    if (node.manifest.kind === 'Organization') return node.file;
  return '.github/CODEOWNERS';
}
