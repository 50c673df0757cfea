import type { Severity } from '../issues/issue.ts';
import { judgesType, type Finding, type PlanCheckOptions, type PlanRule } from './plan-rule.ts';
import { planRules, type PlanRuleId } from './plan-rules.ts';
import { readPlan, type PlannedResource } from './read-plan.ts';

/**
 * The last check before `terraform apply`: what the saved plan would make must hold to the
 * same policy the compiler enforces on manifests. The renderer and the hardened modules
 * should never produce a plan that fails it; this check is what makes that a guarantee
 * rather than a hope, whatever a module version or a provider default does.
 */

/** One finding on one resource of a plan. */
export interface PlanIssue {
  readonly rule: PlanRuleId;
  readonly severity: Severity;
  /** The resource's address in the plan, such as `module.project.google_project.this`. */
  readonly address: string;
  /** What was found and what is expected instead. */
  readonly message: string;
  /** The Checkov and CIS Google Cloud checks the rule mirrors, where some exist. */
  readonly mirrors: readonly string[];
}

/** What the check found. */
export interface PlanCheck {
  /** How many resource changes (managed resources) were checked. */
  readonly resourceChanges: number;
  /** Sorted by address, then rule. */
  readonly issues: readonly PlanIssue[];
}

const ruleEntries = Object.entries(planRules) as [PlanRuleId, PlanRule][];

/**
 * Checks a saved plan, as `terraform show -json` prints it, against every rule of
 * {@link planRules}. Returns every finding as data; throws a `PlanFormatError` naming
 * where and what when the input is not a plan.
 */
export function checkPlan(planJson: unknown, options: PlanCheckOptions = {}): PlanCheck {
  const { resources } = readPlan(planJson);
  const issues = resources.flatMap((resource) =>
    ruleEntries.flatMap(([id, rule]) =>
      findingsOf(rule, resource, options).map((finding): PlanIssue => ({
        rule: id,
        severity: finding.severity ?? 'error',
        address: resource.address,
        message: finding.message,
        mirrors: rule.mirrors,
      })),
    ),
  );
  issues.sort(
    (a, b) =>
      (a.address < b.address ? -1 : a.address > b.address ? 1 : 0) ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
  return { resourceChanges: resources.length, issues };
}

function findingsOf(
  rule: PlanRule,
  resource: PlannedResource,
  options: PlanCheckOptions,
): readonly Finding[] {
  if (!judgesType(rule, resource.type)) return [];
  const findings =
    rule.reads === 'change'
      ? rule.check(resource, options)
      : // What is deleted and not recreated will not exist: only the resulting state is judged.
        resource.after === undefined
        ? []
        : rule.check(resource.after, resource);
  // A binding of several members says the same of each; once is enough.
  const seen = new Set<string>();
  return findings.filter((finding) => !seen.has(finding.message) && seen.add(finding.message));
}
