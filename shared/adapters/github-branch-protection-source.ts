import type { Octokit } from '@octokit/rest';
import type { DriftObservation, DriftSeverity } from '../core/drift/drift-finding.ts';
import { CONSENT_CHECK } from '../pipeline/consent-stage.ts';
import { PLAN_CHECK } from '../pipeline/deltas-stage.ts';
import { VALIDATE_CHECK } from '../pipeline/parse-stage.ts';
import type { RepositoryRef } from '../ports/repository-source.ts';
import type { AssetDriftResult } from './asset-drift-source.ts';
import { gitHubError } from './github-error.ts';

/** Where the `github` source reads, and what it expects to find. */
export interface BranchProtectionSettings {
  /** A client authenticated as the App installation, with administration read permission. */
  readonly octokit: Octokit;
  readonly repository: RepositoryRef;
  /** The branch the pipeline applies; the repository's default branch when absent. */
  readonly branch?: string;
  /** The checks merges must wait for; the pipeline's own when absent. */
  readonly requiredChecks?: readonly string[];
}

/** How the `github` source fared, and what it saw: the asset source's shape. */
export type BranchProtectionResult = AssetDriftResult;

/**
 * The checks the branch must require: the two the pipeline reports on every commit, and the
 * consent check of pull requests, without which consent is listed and never enforced.
 */
export const PIPELINE_CHECKS: readonly string[] = [VALIDATE_CHECK, PLAN_CHECK, CONSENT_CHECK];

/** What protects the branch, merged from its classic protection and every ruleset on it. */
interface Protection {
  protected: boolean;
  codeOwnerReview: boolean;
  blocksForcePushes: boolean;
  blocksDeletion: boolean;
  enforcedForAdmins: boolean;
  checks: Set<string>;
}

/** A rule as GET /repos/{owner}/{repo}/rules/branches/{branch} lists it. */
interface BranchRule {
  readonly type: string;
  readonly parameters?: {
    readonly require_code_owner_review?: boolean;
    readonly required_status_checks?: readonly { readonly context: string }[];
  };
}

/**
 * The `github` drift of a repository: how the protection of the branch the pipeline applies
 * falls short of what governance by pull request needs. Classic branch protection and
 * repository rulesets both count, whichever holds a rule. Failed, with the reason, when
 * GitHub could not be read (the App lacks administration read, say). Never throws.
 */
export async function readBranchProtectionDrift(
  settings: BranchProtectionSettings,
): Promise<BranchProtectionResult> {
  const { octokit, repository } = settings;
  const owner = repository.owner;
  const repo = repository.name;
  let branch = settings.branch;
  try {
    if (branch === undefined) {
      const { data } = await octokit.rest.repos.get({ owner, repo }).catch((error: unknown) => {
        throw gitHubError(error, `reading ${owner}/${repo}`);
      });
      branch = data.default_branch;
    }
    const protection = await classicProtection(octokit, owner, repo, branch);
    const rules = await octokit
      .paginate(octokit.rest.repos.getBranchRules, { owner, repo, branch, per_page: 100 })
      .catch((error: unknown) => {
        throw gitHubError(error, `reading the rulesets of ${owner}/${repo} branch ${branch}`);
      });
    mergeRules(protection, rules as readonly BranchRule[]);
    const observations = shortfalls(protection, branch, settings.requiredChecks ?? PIPELINE_CHECKS);
    return {
      status: 'ok',
      detail: `protection of ${owner}/${repo} branch ${branch}: classic protection ${protection.protected ? 'and' : 'absent,'} ${rules.length} ruleset rule(s)`,
      observations,
    };
  } catch (error) {
    return {
      status: 'failed',
      detail: error instanceof Error ? error.message : String(error),
      observations: [],
    };
  }
}

/** GET /repos/{owner}/{repo}/branches/{branch}/protection, which answers 404 when there is none. */
async function classicProtection(
  octokit: Octokit,
  owner: string,
  repo: string,
  branch: string,
): Promise<Protection> {
  const none: Protection = {
    protected: false,
    codeOwnerReview: false,
    blocksForcePushes: false,
    blocksDeletion: false,
    enforcedForAdmins: false,
    checks: new Set(),
  };
  try {
    const { data } = await octokit.rest.repos.getBranchProtection({ owner, repo, branch });
    const checks = [
      ...(data.required_status_checks?.contexts ?? []),
      ...(data.required_status_checks?.checks ?? []).map((check) => check.context),
    ];
    return {
      protected: true,
      codeOwnerReview: data.required_pull_request_reviews?.require_code_owner_reviews === true,
      blocksForcePushes: data.allow_force_pushes?.enabled !== true,
      blocksDeletion: data.allow_deletions?.enabled !== true,
      enforcedForAdmins: data.enforce_admins?.enabled === true,
      checks: new Set(checks),
    };
  } catch (error) {
    const failure = gitHubError(
      error,
      `reading the protection of ${owner}/${repo} branch ${branch}`,
    );
    // GitHub says "Branch not protected" for a branch without; any other 404 is a real failure.
    if (failure.status === 404 && /branch not protected/i.test(failure.message)) return none;
    throw failure;
  }
}

/**
 * Rulesets apply to administrators too unless they are on a ruleset's bypass list, which
 * this endpoint does not show: a rule a ruleset holds counts as enforced for them.
 */
function mergeRules(protection: Protection, rules: readonly BranchRule[]): void {
  for (const rule of rules) {
    protection.protected = true;
    if (rule.type === 'pull_request' && rule.parameters?.require_code_owner_review === true) {
      protection.codeOwnerReview = true;
    }
    if (rule.type === 'non_fast_forward') protection.blocksForcePushes = true;
    if (rule.type === 'deletion') protection.blocksDeletion = true;
    if (rule.type === 'required_status_checks') {
      for (const check of rule.parameters?.required_status_checks ?? []) {
        protection.checks.add(check.context);
      }
    }
  }
  if (rules.length > 0) protection.enforcedForAdmins = true;
}

function shortfalls(
  protection: Protection,
  branch: string,
  requiredChecks: readonly string[],
): DriftObservation[] {
  const observation = (
    attribute: string,
    severity: DriftSeverity,
    summary: string,
    before: boolean | string,
    after: boolean | string | null,
  ): DriftObservation => ({ source: 'github', attribute, severity, summary, before, after });
  if (!protection.protected) {
    return [
      observation(
        `branches/${branch}/protection`,
        'critical',
        `Branch ${branch} is not protected: anyone who can push changes it without review`,
        'protected',
        null,
      ),
    ];
  }
  const found: DriftObservation[] = [];
  if (!protection.codeOwnerReview) {
    found.push(
      observation(
        `branches/${branch}/require_code_owner_reviews`,
        'critical',
        `Branch ${branch} does not require code-owner review: CODEOWNERS governs nothing`,
        true,
        false,
      ),
    );
  }
  if (!protection.blocksForcePushes) {
    found.push(
      observation(
        `branches/${branch}/allow_force_pushes`,
        'critical',
        `Branch ${branch} allows force pushes, which rewrite reviewed history`,
        false,
        true,
      ),
    );
  }
  if (!protection.blocksDeletion) {
    found.push(
      observation(
        `branches/${branch}/allow_deletions`,
        'critical',
        `Branch ${branch} may be deleted`,
        false,
        true,
      ),
    );
  }
  if (!protection.enforcedForAdmins) {
    found.push(
      observation(
        `branches/${branch}/enforce_admins`,
        'high',
        `Branch ${branch} does not enforce its protection for administrators`,
        true,
        false,
      ),
    );
  }
  for (const check of requiredChecks) {
    if (protection.checks.has(check)) continue;
    found.push(
      observation(
        `branches/${branch}/required_status_checks/${check}`,
        'high',
        `Branch ${branch} does not require the ${check} check to pass before merging`,
        check,
        null,
      ),
    );
  }
  return found;
}
