/**
 * Runs the Terraform of one workspace: the embedded default runs it on this machine, the
 * Cloud Build adapter in Google Cloud. Both apply only a plan they made themselves, and
 * never a plan twice or a plan of a revision older than the last one applied.
 */
export interface BuildRunner {
  run(request: BuildRequest): Promise<BuildResult>;
}

/** What to build: one rendered workspace at one revision. */
export interface BuildRequest {
  readonly workspace: string;
  /** The commit the workspace was rendered from. */
  readonly commit: string;
  /**
   * Orders revisions: a later commit has a larger sequence (the pipeline uses the commit's
   * position in the default branch's history). An apply of a sequence at or below the last
   * applied one is refused as stale.
   */
  readonly sequence: number;
  /** The folder holding the rendered root module (`main.tf.json`). */
  readonly directory: string;
  /** Plan only (pull requests, other branches), or plan and apply that plan. */
  readonly apply: boolean;
  /**
   * Read only, for drift: `plan -refresh-only -lock=false` of what is applied and its
   * `show -json`, never an apply and never the state lock; refused with `apply`.
   */
  readonly refreshOnly?: boolean;
  /** `-backend-config` values for `terraform init`, such as the state bucket and prefix. */
  readonly backendConfig?: Readonly<Record<string, string>>;
}

/** The steps of a build, in order. */
export type BuildStepName = 'init' | 'validate' | 'plan' | 'show' | 'apply';

/** One step as it ran. */
export interface BuildStep {
  readonly name: BuildStepName;
  /** Exit code, or null when the step was killed. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** What the step printed (stdout and stderr), its tail when very long. */
  readonly log: string;
}

/** How a build ended. */
export type BuildStatus =
  /** Every step passed (and the plan was applied, when asked). */
  | 'succeeded'
  /** A step failed or timed out; `steps` ends with it. */
  | 'failed'
  /** The apply was refused: the plan was applied before, or its revision is stale. */
  | 'refused';

/** The outcome of a build. */
export interface BuildResult {
  readonly workspace: string;
  readonly commit: string;
  readonly status: BuildStatus;
  readonly steps: readonly BuildStep[];
  /** Why the build was refused or failed, in one sentence. */
  readonly reason?: string;
  /** `terraform show -json` of the saved plan, for policy checks of what will change. */
  readonly planJson?: unknown;
  /** SHA-256 of the saved plan file: what was (or would be) applied. */
  readonly planDigest?: string;
}
