import { gunzipSync } from 'node:zlib';
import { failure, type Reply } from './loopback-git-data.ts';

/** A branch's classic protection, in the shape GET …/branches/{branch}/protection answers. */
export interface ClassicProtection {
  readonly required_status_checks?: {
    readonly strict: boolean;
    readonly contexts: readonly string[];
    readonly checks: readonly { readonly context: string; readonly app_id: number | null }[];
  };
  readonly enforce_admins?: { readonly enabled: boolean };
  readonly required_pull_request_reviews?: {
    readonly require_code_owner_reviews: boolean;
    readonly required_approving_review_count: number;
  };
  readonly allow_force_pushes?: { readonly enabled: boolean };
  readonly allow_deletions?: { readonly enabled: boolean };
}

/** A rule a ruleset puts on a branch, as GET …/rules/branches/{branch} lists it. */
export interface BranchRule {
  readonly type: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** A SARIF upload code scanning received, decoded. */
export interface ReceivedSarif {
  readonly id: string;
  readonly commit_sha: string;
  readonly ref: string;
  readonly log: unknown;
}

const OBJECT_ID = /^[0-9a-f]{40}$/;

/**
 * The repository's settings a test arranges and the endpoints that read them: the
 * repository itself (its default branch), classic branch protection, the rules of its
 * rulesets, and code scanning's SARIF uploads, each with GitHub's answers to what is absent
 * or malformed.
 */
export class RepositorySettings {
  defaultBranch = 'main';
  /** Classic protection by branch; a branch without is unprotected. */
  readonly protection = new Map<string, ClassicProtection>();
  /** The rules rulesets apply to each branch. */
  readonly rules = new Map<string, BranchRule[]>();
  readonly sarifs: ReceivedSarif[] = [];
  private readonly owner: string;
  private readonly name: string;
  private readonly repositoryUrl: string;

  constructor(owner: string, name: string, repositoryUrl: string) {
    this.owner = owner;
    this.name = name;
    this.repositoryUrl = repositoryUrl;
  }

  /** GET /repos/{owner}/{repo} */
  repository(): Reply {
    return {
      status: 200,
      body: {
        name: this.name,
        full_name: `${this.owner}/${this.name}`,
        owner: { login: this.owner },
        default_branch: this.defaultBranch,
      },
    };
  }

  /** GET /repos/{owner}/{repo}/branches/{branch}/protection */
  branchProtection(branch: string): Reply {
    const protection = this.protection.get(branch);
    if (protection === undefined) return failure(404, 'Branch not protected');
    return {
      status: 200,
      body: { url: `${this.repositoryUrl}/branches/${branch}/protection`, ...protection },
    };
  }

  /** GET /repos/{owner}/{repo}/rules/branches/{branch}, paged. */
  branchRules(branch: string, query: Readonly<Record<string, string>>): Reply {
    const rules = this.rules.get(branch) ?? [];
    const perPage = Math.min(Number(query.per_page ?? 30), 100);
    const page = Number(query.page ?? 1);
    const headers: Record<string, string> = {};
    if (page * perPage < rules.length) {
      const next = new URLSearchParams({ ...query, page: String(page + 1) });
      headers.link = `<${this.repositoryUrl}/rules/branches/${branch}?${next.toString()}>; rel="next"`;
    }
    const body = rules.slice((page - 1) * perPage, page * perPage).map((rule, index) => ({
      ...rule,
      ruleset_source_type: 'Repository',
      ruleset_source: `${this.owner}/${this.name}`,
      ruleset_id: 100 + index,
    }));
    return { status: 200, headers, body };
  }

  /** POST /repos/{owner}/{repo}/code-scanning/sarifs: gzipped, base64-encoded SARIF. */
  uploadSarif(body: Record<string, unknown>): Reply {
    const { commit_sha: commit, ref, sarif } = body;
    if (typeof commit !== 'string' || !OBJECT_ID.test(commit))
      return failure(422, 'Invalid commit_sha');
    if (typeof ref !== 'string' || !ref.startsWith('refs/')) return failure(422, 'Invalid ref');
    if (typeof sarif !== 'string') return failure(422, 'Invalid sarif');
    let log: unknown;
    try {
      log = JSON.parse(gunzipSync(Buffer.from(sarif, 'base64')).toString('utf8'));
    } catch {
      return failure(400, 'A sarif must be gzip-compressed and base64-encoded');
    }
    const id = `sarif-${this.sarifs.length + 1}`;
    this.sarifs.push({ id, commit_sha: commit, ref, log });
    return {
      status: 202,
      body: { id, url: `${this.repositoryUrl}/code-scanning/sarifs/${id}` },
    };
  }
}
