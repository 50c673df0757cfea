import type { ContractIssue } from '../core/contracts/decode-message.ts';
import type { GovernedRepository } from '../core/pipeline/governed-repository.ts';
import type { RenderConfig } from '../core/render/render-config.ts';
import type { BuildService } from '../ports/build-service.ts';
import type { Clock } from '../ports/clock.ts';
import type { CodeOwnersWriter } from '../ports/code-owners-writer.ts';
import type { CommitReporter } from '../ports/commit-reporter.ts';
import type { DocumentStore } from '../ports/document-store.ts';
import { PortError } from '../ports/port-error.ts';
import type { Publisher } from '../ports/publisher.ts';
import type { PullRequests } from '../ports/pull-requests.ts';
import type { RepositorySource } from '../ports/repository-source.ts';
import type { DriftStageSettings } from './drift-stage.ts';
import type { RevisionLoader } from './revision-loader.ts';

/**
 * How a stage ended for one message. Every outcome acknowledges the message; a transient
 * failure (the store or GitHub unreachable) or a rate limit is thrown instead, so that the
 * bus delivers the message again (see `guardedStage`).
 */
export type StageOutcome =
  /** The stage did its work and handed on what follows. */
  | { readonly status: 'done'; readonly detail: string }
  /** The stage had done this work before (a redelivery); it handed on again, nothing more. */
  | { readonly status: 'repeated'; readonly detail: string }
  /** Nothing to do, on purpose: a tag, an older commit, an unchanged revision. */
  | { readonly status: 'skipped'; readonly detail: string }
  /**
   * The message can never succeed: it breaks its topic's contract, or a backend refused it
   * for good (a permanent failure). It is recorded and dropped rather than retried.
   */
  | {
      readonly status: 'rejected';
      readonly detail: string;
      readonly issues?: readonly ContractIssue[];
    };

/** A stage: one message in, its outcome out. */
export type Stage = (data: unknown) => Promise<StageOutcome>;

/** Everything the stages use, wired from configuration by whoever runs them. */
export interface PipelinePorts {
  /**
   * The one repository the pipeline governs. Its state is keyed by it, whatever a message
   * names, and parse refuses a push of any other.
   */
  readonly repository: GovernedRepository;
  readonly store: DocumentStore;
  readonly publisher: Publisher;
  readonly source: RepositorySource;
  /** Reads revisions through `source`, remembering what a warm stage can reuse. */
  readonly revisions: RevisionLoader;
  readonly reporter: CommitReporter;
  /**
   * Reads pull requests and their reviews, for the consent check; absent where there is no
   * GitHub to read them from (the embedded default), and the consent stage then does nothing.
   */
  readonly pullRequests?: PullRequests;
  readonly codeOwners: CodeOwnersWriter;
  readonly builds: BuildService;
  readonly clock: Clock;
  readonly render: RenderConfig;
  /**
   * Whether builds of the default branch apply their plan. The embedded default plans only
   * unless asked; in Google Cloud the default branch is applied.
   */
  readonly apply: boolean;
  /**
   * Who this runner is, as the owner of the workspace leases it takes (see `BuildLease`);
   * absent, each builds stage makes up its own.
   */
  readonly instance?: string;
  /**
   * The scheduled drift sweep's settings; absent where sweeps are not scheduled (the
   * embedded pipeline, whose `infrastream drift` sweeps on demand), and the drift stage then
   * does nothing.
   */
  readonly drift?: DriftStageSettings;
}

/** A failure worth retrying: the same message may succeed later. */
export class TransientError extends PortError {
  override name = 'TransientError';

  constructor(message: string) {
    super(message, 'transient');
  }
}

/** The outcome for a message that does not match its topic's contract. */
export function rejectedMessage(topic: string, issues: readonly ContractIssue[]): StageOutcome {
  const first = issues[0];
  const where = first === undefined ? '' : `: ${first.path || 'message'}: ${first.message}`;
  return {
    status: 'rejected',
    detail: `not a ${topic} message${where}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ''}`,
    issues,
  };
}
