import {
  PARALLEL_THRESHOLD,
  readYamlFilesInParallel,
} from '../shared/adapters/parallel-yaml-reader.ts';
import {
  analyzeRepository,
  type RepositoryAnalysis,
} from '../shared/core/governance/analyze-repository.ts';
import { defaultYamlLimits } from '../shared/core/parse/yaml-limits.ts';
import type { RepositoryFile } from '../shared/core/validate/validate-repository.ts';
import { formatText } from '../shared/core/report/format-text.ts';
import { EnvironmentError, exitCodes, type CliIo } from './cli-io.ts';

/** Repositories at least this large get a progress line on a terminal. */
const PROGRESS_THRESHOLD = 2000;

/**
 * Analyzes a repository for a command: large repositories are parsed on every core, and
 * on a terminal a progress line says how far validation has come.
 */
export async function analyze(
  files: readonly RepositoryFile[],
  io: CliIo,
): Promise<RepositoryAnalysis> {
  const limits = defaultYamlLimits;
  const progress = io.stderrIsTty && files.length >= PROGRESS_THRESHOLD;
  if (progress) io.stderr(`reading ${files.length} files`);
  const reads =
    files.length >= PARALLEL_THRESHOLD && files.length <= limits.maxFiles
      ? await readYamlFilesInParallel(files, limits)
      : undefined;
  const analysis = analyzeRepository(files, {
    limits,
    ...(reads === undefined ? {} : { reads }),
    ...(progress
      ? {
          onProgress: (done: number, total: number) => {
            io.stderr(`\rvalidating ${done}/${total} files`);
          },
        }
      : {}),
  });
  if (progress) io.stderr('\r\x1b[K');
  return analysis;
}

/**
 * Refuses a repository in which validation found nothing at all: pointed at the wrong
 * folder, a command would pass, or write nothing, without a word. `where` names the folder
 * (and the commit); `advice` says what to do.
 */
export function requireManifests(
  analysis: Pick<RepositoryAnalysis, 'files' | 'manifestCount' | 'issues'>,
  where: string,
  advice = "give the folder of the repository's manifests",
): void {
  if (analysis.manifestCount > 0 || analysis.issues.length > 0) return;
  const found =
    analysis.files === 0
      ? 'it holds no YAML file'
      : analysis.files === 1
        ? 'its one YAML file is not a lowops.manifests.v1 manifest'
        : `none of its ${analysis.files} YAML files is a lowops.manifests.v1 manifest`;
  throw new EnvironmentError(`no manifests in ${where}: ${found}; ${advice}`);
}

/**
 * What a command that needs a valid repository answers when it is not: every issue, on
 * stderr, then why nothing else was done; exit status 1.
 */
export function refuseInvalid(analysis: RepositoryAnalysis, io: CliIo, why: string): number {
  const { manifestCount: manifests, files, issues, sources } = analysis;
  io.stderr(formatText({ manifests, files, issues, sources }, { color: io.stderrIsTty }));
  io.stderr(`${why}\n`);
  return exitCodes.issues;
}
