import type { Severity } from '../issues/issue.ts';
import type { Attributes } from './planned-values.ts';
import type { PlannedResource } from './read-plan.ts';

/** What a rule found on one resource; an error unless it says otherwise. */
export interface Finding {
  readonly message: string;
  readonly severity?: Severity;
}

/** How the check runs. */
export interface PlanCheckOptions {
  /**
   * Destroying a protected resource is then a warning, not an error: for a run a person
   * asked for explicitly, never for a push.
   */
  readonly allowDestroy?: boolean;
}

/** One rule of the plan guard: what it checks, what it mirrors, which types it judges. */
export type PlanRule = {
  /** What holds when the rule passes; the docs' rule table shows it. */
  readonly summary: string;
  /** The Checkov and CIS Google Cloud checks it mirrors, where some exist. */
  readonly mirrors: readonly string[];
  /** The resource types it judges: a list, a pattern, or all. */
  readonly judges: readonly string[] | RegExp | 'every type';
} & (
  | {
      /** Judges what the resource will be; a resource the plan deletes is not judged. */
      readonly reads: 'after';
      readonly check: (after: Attributes, resource: PlannedResource) => readonly Finding[];
    }
  | {
      /** Judges the change itself, deletions included. */
      readonly reads: 'change';
      readonly check: (resource: PlannedResource, options: PlanCheckOptions) => readonly Finding[];
    }
);

/** Whether a rule judges resources of a type. */
export function judgesType(rule: PlanRule, type: string): boolean {
  if (rule.judges === 'every type') return true;
  if (rule.judges instanceof RegExp) return rule.judges.test(type);
  return rule.judges.includes(type);
}
