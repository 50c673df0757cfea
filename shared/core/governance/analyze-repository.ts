import { compareIssues, hasErrors, type Issue } from '../issues/issue.ts';
import {
  validateRepository,
  type RepositoryFile,
  type ValidationOptions,
  type RepositoryValidation,
} from '../validate/validate-repository.ts';
import {
  computeCodeowners,
  computeCodeownersIncrementally,
  type Codeowners,
} from './codeowners.ts';
import { buildDesiredState, type DesiredState } from './desired-state.ts';
import { checkPolicy } from './policy.ts';
import { checkUnsupportedFields } from '../render/unsupported-fields.ts';

/** How to analyze a repository. */
export interface AnalysisOptions extends ValidationOptions {
  /**
   * The analysis of an earlier revision of the same repository: the nodes of files that did
   * not change are taken from its state, and its CODEOWNERS when ownership did not change.
   * The result is the same without it, only slower.
   */
  readonly previous?: Pick<RepositoryAnalysis, 'state' | 'codeowners'>;
}

/** A repository validated, turned into its desired state, and checked against policy. */
export interface RepositoryAnalysis extends RepositoryValidation {
  readonly state: DesiredState;
  readonly codeowners: Codeowners;
  /** Validation, policy and CODEOWNERS issues together, in file, line and column order. */
  readonly issues: readonly Issue[];
}

/**
 * Everything that is wrong with a repository, in one list: what validation finds, what
 * policy refuses, and what stands in the way of CODEOWNERS. The desired state is built
 * from the manifests that validated, so policy speaks even when some files are invalid.
 */
export function analyzeRepository(
  files: readonly RepositoryFile[],
  options: AnalysisOptions = {},
): RepositoryAnalysis {
  const validation = validateRepository(files, options);
  const valid = !hasErrors(validation.issues);
  // Without errors, validation indexed exactly the manifests the graph is made of.
  const { previous } = options;
  const state = buildDesiredState(
    validation.manifests,
    previous?.state,
    valid ? validation.index : undefined,
  );
  const codeowners =
    previous === undefined
      ? computeCodeowners(state)
      : computeCodeownersIncrementally(previous, state);
  const issues = [
    ...validation.issues,
    ...checkPolicy(state, valid),
    ...checkUnsupportedFields(state.nodes.values()),
    ...codeowners.issues,
  ].sort(compareIssues);
  return { ...validation, state, codeowners, issues };
}
