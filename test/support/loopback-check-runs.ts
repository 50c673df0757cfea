import { failure, type GitData, type Reply } from './loopback-git-data.ts';

/** An annotation as GitHub stores it. */
export interface StoredAnnotation {
  readonly path: string;
  readonly start_line: number;
  readonly end_line: number;
  readonly start_column?: number;
  readonly end_column?: number;
  readonly annotation_level: string;
  readonly title?: string;
  readonly message: string;
}

/** A check run as GitHub keeps it. */
export interface StoredCheckRun {
  readonly id: number;
  readonly head_sha: string;
  name: string;
  external_id: string | null;
  status: string;
  conclusion: string | null;
  title: string | null;
  summary: string | null;
  details_url: string | null;
  readonly annotations: StoredAnnotation[];
  /** The buttons of the run (GitHub's requested actions). */
  actions: { label: string; description: string; identifier: string }[];
}

const STATUSES = new Set(['queued', 'in_progress', 'completed']);
const CONCLUSIONS = new Set([
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'stale',
  'timed_out',
]);
const LEVELS = new Set(['notice', 'warning', 'failure']);
/** GitHub's documented limits for the Checks API. */
const MAX_ANNOTATIONS_PER_REQUEST = 50;
const MAX_SUMMARY = 65_535;
const MAX_ANNOTATION_TITLE = 255;

/**
 * The check-runs endpoints, in memory, with GitHub's rules: at most 50 annotations per
 * request, annotations of an update appended to those already there, title and summary
 * required with any output, columns only on single-line annotations.
 */
export class CheckRuns {
  readonly runs: StoredCheckRun[] = [];
  private readonly gitData: GitData;
  private readonly appId: number;

  constructor(gitData: GitData, appId: number) {
    this.gitData = gitData;
    this.appId = appId;
  }

  /** GET /repos/{owner}/{repo}/commits/{ref}/check-runs */
  async list(ref: string, query: Readonly<Record<string, string>>): Promise<Reply> {
    const sha = await this.gitData.resolve(ref, 'commit');
    if (sha === undefined) return failure(422, `No commit found for SHA: ${ref}`);
    let runs = this.runs.filter((run) => run.head_sha === sha);
    if (query.check_name !== undefined) runs = runs.filter((run) => run.name === query.check_name);
    if (query.app_id !== undefined && query.app_id !== String(this.appId)) runs = [];
    if ((query.filter ?? 'latest') === 'latest') {
      runs = runs.filter(
        (run) => !runs.some((other) => other.name === run.name && other.id > run.id),
      );
    }
    const perPage = Math.min(Number(query.per_page ?? 30), 100);
    return {
      status: 200,
      body: {
        total_count: runs.length,
        check_runs: runs.slice(0, perPage).map((run) => this.json(run)),
      },
    };
  }

  /** POST /repos/{owner}/{repo}/check-runs */
  async create(body: Record<string, unknown>): Promise<Reply> {
    const { name, head_sha: headSha } = body;
    if (typeof name !== 'string' || name === '' || typeof headSha !== 'string') {
      return failure(422, 'Invalid request: "name" and "head_sha" are required');
    }
    if ((await this.gitData.resolve(headSha, 'commit')) !== headSha) {
      return failure(422, `No commit found for SHA: ${headSha}`);
    }
    const problem = validate(body);
    if (problem !== undefined) return failure(422, problem);
    const run: StoredCheckRun = {
      id: this.runs.length + 1,
      head_sha: headSha,
      name,
      external_id: null,
      status: 'queued',
      conclusion: null,
      title: null,
      summary: null,
      details_url: null,
      annotations: [],
      actions: [],
    };
    this.apply(run, body);
    this.runs.push(run);
    return { status: 201, body: this.json(run) };
  }

  /** PATCH /repos/{owner}/{repo}/check-runs/{check_run_id} */
  update(id: number, body: Record<string, unknown>): Reply {
    const run = this.runs.find((candidate) => candidate.id === id);
    if (run === undefined) return failure(404, 'Not Found');
    if (body.name !== undefined && (typeof body.name !== 'string' || body.name === '')) {
      return failure(422, 'Invalid request: "name" must be a non-empty string');
    }
    const problem = validate(body);
    if (problem !== undefined) return failure(422, problem);
    this.apply(run, body);
    return { status: 200, body: this.json(run) };
  }

  private apply(run: StoredCheckRun, body: Record<string, unknown>) {
    if (typeof body.name === 'string') run.name = body.name;
    if (typeof body.external_id === 'string') run.external_id = body.external_id;
    if (typeof body.details_url === 'string') run.details_url = body.details_url;
    if (typeof body.status === 'string') run.status = body.status;
    if (Array.isArray(body.actions)) run.actions = body.actions as StoredCheckRun['actions'];
    if (typeof body.conclusion === 'string') {
      run.conclusion = body.conclusion;
      run.status = 'completed';
    }
    const output = body.output as
      { title: string; summary: string; annotations?: StoredAnnotation[] } | undefined;
    if (output !== undefined) {
      run.title = output.title;
      run.summary = output.summary;
      run.annotations.push(...(output.annotations ?? []));
    }
  }

  private json(run: StoredCheckRun) {
    const url = `${this.gitData.apiRoot}/check-runs/${run.id}`;
    return {
      id: run.id,
      head_sha: run.head_sha,
      node_id: `CR_${run.id}`,
      external_id: run.external_id,
      url,
      html_url: url,
      details_url: run.details_url ?? url,
      status: run.status,
      conclusion: run.conclusion,
      started_at: null,
      completed_at: null,
      output: {
        title: run.title,
        summary: run.summary,
        text: null,
        annotations_count: run.annotations.length,
        annotations_url: `${url}/annotations`,
      },
      name: run.name,
      check_suite: { id: 1 },
      app: { id: this.appId, slug: 'infrastream', name: 'Infrastream' },
      pull_requests: [],
    };
  }
}

/** What GitHub would refuse in a create or update body, or undefined. */
function validate(body: Record<string, unknown>): string | undefined {
  const { status, conclusion, output } = body;
  if (status !== undefined && (typeof status !== 'string' || !STATUSES.has(status)))
    return `Invalid status: ${JSON.stringify(status)}`;
  if (
    conclusion !== undefined &&
    (typeof conclusion !== 'string' || !CONCLUSIONS.has(conclusion))
  ) {
    return `Invalid conclusion: ${JSON.stringify(conclusion)}`;
  }
  if (status === 'completed' && conclusion === undefined)
    return 'Conclusion must be provided when status is completed';
  const { actions } = body;
  if (actions !== undefined) {
    if (!Array.isArray(actions) || actions.length > 3)
      return 'Invalid request: at most 3 actions are allowed';
    for (const action of actions as Record<string, unknown>[]) {
      const { label, description, identifier } = action;
      if (
        typeof label !== 'string' ||
        typeof description !== 'string' ||
        typeof identifier !== 'string' ||
        label.length > 20 ||
        description.length > 40 ||
        identifier.length > 20
      ) {
        return 'Invalid request: an action needs a label (20), a description (40) and an identifier (20)';
      }
    }
  }
  if (output === undefined) return undefined;
  const { title, summary, annotations } = (output ?? {}) as Record<string, unknown>;
  if (typeof title !== 'string' || typeof summary !== 'string')
    return 'Invalid request: output needs "title" and "summary"';
  if (summary.length > MAX_SUMMARY)
    return `Invalid request: output.summary is longer than ${MAX_SUMMARY} characters`;
  if (annotations === undefined) return undefined;
  if (!Array.isArray(annotations)) return 'Invalid request: output.annotations must be an array';
  if (annotations.length > MAX_ANNOTATIONS_PER_REQUEST) {
    return `Invalid request: only ${MAX_ANNOTATIONS_PER_REQUEST} annotations are allowed per request`;
  }
  for (const annotation of annotations as Record<string, unknown>[]) {
    const {
      path,
      start_line: start,
      end_line: end,
      start_column: startColumn,
      end_column: endColumn,
    } = annotation;
    if (
      typeof path !== 'string' ||
      typeof start !== 'number' ||
      typeof end !== 'number' ||
      start < 1 ||
      end < start
    ) {
      return 'Invalid request: an annotation needs "path", "start_line" and "end_line"';
    }
    if (typeof annotation.message !== 'string' || annotation.message === '')
      return 'Invalid request: an annotation needs a "message"';
    if (
      typeof annotation.annotation_level !== 'string' ||
      !LEVELS.has(annotation.annotation_level)
    ) {
      return `Invalid request: annotation_level ${String(annotation.annotation_level)}`;
    }
    if ((startColumn !== undefined || endColumn !== undefined) && start !== end) {
      return 'Invalid request: start_column and end_column are only allowed when start_line equals end_line';
    }
    if (typeof annotation.title === 'string' && annotation.title.length > MAX_ANNOTATION_TITLE) {
      return `Invalid request: annotation title is longer than ${MAX_ANNOTATION_TITLE} characters`;
    }
  }
  return undefined;
}
