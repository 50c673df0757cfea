import { failure, type Reply } from './loopback-git-data.ts';

/** An issue as GitHub keeps it. */
export interface StoredIssue {
  readonly number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  /** Set on pull requests, which the issues listing shows too. */
  readonly pull_request?: { readonly url: string };
  readonly comments: string[];
}

const MAX_BODY = 65_536;
const MAX_PER_PAGE = 100;

/**
 * The issues endpoints, in memory, with GitHub's rules: listing filtered by labels (all of
 * them) and state, newest first, paged with a `link` header; pull requests listed among
 * issues; bodies at most 65,536 characters; a closed issue's state reason.
 */
export class Issues {
  readonly issues: StoredIssue[] = [];
  /** GitHub drops the labels of new issues, silently, when the caller lacks push access. */
  dropLabels = false;
  private readonly repositoryUrl: string;

  constructor(repositoryUrl: string) {
    this.repositoryUrl = repositoryUrl;
  }

  /** Adds an issue or pull request as people would have made it. */
  add(issue: Omit<StoredIssue, 'number' | 'comments'>): StoredIssue {
    const stored: StoredIssue = { ...issue, number: this.issues.length + 1, comments: [] };
    this.issues.push(stored);
    return stored;
  }

  /** GET /repos/{owner}/{repo}/issues */
  list(query: Readonly<Record<string, string>>): Reply {
    const state = query.state ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) return failure(422, 'Validation Failed');
    const labels = (query.labels ?? '').split(',').filter((label) => label !== '');
    const perPage = Math.min(Number(query.per_page ?? 30), MAX_PER_PAGE);
    const page = Number(query.page ?? 1);
    const matching = this.issues
      .filter((issue) => state === 'all' || issue.state === state)
      .filter((issue) => labels.every((label) => issue.labels.includes(label)))
      .toReversed();
    const pages = Math.max(1, Math.ceil(matching.length / perPage));
    const headers: Record<string, string> = {};
    if (page < pages) {
      const next = new URLSearchParams({ ...query, page: String(page + 1) });
      headers.link = `<${this.repositoryUrl}/issues?${next.toString()}>; rel="next"`;
    }
    return {
      status: 200,
      headers,
      body: matching.slice((page - 1) * perPage, page * perPage).map((issue) => this.json(issue)),
    };
  }

  /** POST /repos/{owner}/{repo}/issues */
  create(body: Record<string, unknown>): Reply {
    if (typeof body.title !== 'string' || body.title === '')
      return failure(422, 'Validation Failed: title');
    const text = typeof body.body === 'string' ? body.body : null;
    if (text !== null && text.length > MAX_BODY) return failure(422, 'body is too long');
    const labels = Array.isArray(body.labels) && !this.dropLabels ? body.labels.map(String) : [];
    const issue = this.add({
      title: body.title,
      body: text,
      state: 'open',
      state_reason: null,
      labels,
    });
    return { status: 201, body: this.json(issue) };
  }

  /** PATCH /repos/{owner}/{repo}/issues/{number} */
  update(number: number, body: Record<string, unknown>): Reply {
    const issue = this.issues.find((candidate) => candidate.number === number);
    if (issue === undefined) return failure(404, 'Not Found');
    if (typeof body.body === 'string' && body.body.length > MAX_BODY)
      return failure(422, 'body is too long');
    if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed')
      return failure(422, 'Validation Failed: state');
    if (typeof body.title === 'string') issue.title = body.title;
    if (typeof body.body === 'string') issue.body = body.body;
    if (body.state === 'closed') {
      issue.state = 'closed';
      issue.state_reason = typeof body.state_reason === 'string' ? body.state_reason : 'completed';
    } else if (body.state === 'open') {
      issue.state = 'open';
      issue.state_reason = 'reopened';
    }
    return { status: 200, body: this.json(issue) };
  }

  /** POST /repos/{owner}/{repo}/issues/{number}/comments */
  comment(number: number, body: Record<string, unknown>): Reply {
    const issue = this.issues.find((candidate) => candidate.number === number);
    if (issue === undefined) return failure(404, 'Not Found');
    if (typeof body.body !== 'string' || body.body === '')
      return failure(422, 'Validation Failed: body');
    issue.comments.push(body.body);
    return {
      status: 201,
      body: { id: number * 1000 + issue.comments.length, body: body.body },
    };
  }

  private json(issue: StoredIssue) {
    return {
      id: issue.number,
      number: issue.number,
      url: `${this.repositoryUrl}/issues/${issue.number}`,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.state_reason,
      labels: issue.labels.map((name, id) => ({ id, name })),
      ...(issue.pull_request === undefined ? {} : { pull_request: issue.pull_request }),
    };
  }
}
