import type { Finding } from './plan-rule.ts';
import {
  block,
  blocks,
  describe,
  own,
  truthValue,
  UNKNOWN,
  type Attributes,
} from './planned-values.ts';
import type { PlannedResource } from './read-plan.ts';

/** The organization policy resources: the v2 API's and the three legacy ones. */
export const ORG_POLICY_TYPES = [
  'google_org_policy_policy',
  'google_organization_policy',
  'google_folder_organization_policy',
  'google_project_organization_policy',
];

/**
 * An organization policy is neither removed nor weakened. Weakened means, precisely:
 * - a v2 policy (`google_org_policy_policy`) whose live `spec` resets to Google's default
 *   (`reset = true`), has a rule with `enforce = "FALSE"` or `allow_all = "TRUE"`, or, below
 *   the organization, stops inheriting (`inherit_from_parent = false`) without every rule
 *   enforcing or denying all;
 * - a legacy policy that restores the default (`restore_policy.default = true`), does not
 *   enforce a boolean constraint (`boolean_policy.enforced = false`), allows all values
 *   (`list_policy.allow.all = true`), or, below the organization, stops inheriting without
 *   denying all.
 * A dry-run spec enforces nothing and is not judged. A value known only after apply is
 * refused, as it cannot be judged.
 */
export function checkOrgPolicy(resource: PlannedResource): Finding[] {
  const { after } = resource;
  if (after === undefined) {
    if (!resource.actions.includes('delete')) return [];
    const constraint = own(resource.before, 'constraint') ?? own(resource.before, 'name');
    return [
      {
        message: `the plan removes the organization policy ${typeof constraint === 'string' ? constraint : resource.address}, which lifts what it enforces; expected it kept (change it in the organization's policy review)`,
      },
    ];
  }
  return resource.type === 'google_org_policy_policy'
    ? checkPolicyV2(after)
    : checkLegacyPolicy(after, resource.type);
}

function checkPolicyV2(after: Attributes): Finding[] {
  const spec = block(after, 'spec');
  if (spec === undefined) return [];
  const findings: Finding[] = [];
  const reset = own(spec, 'reset');
  if (reset === true || isUnknownValue(reset)) {
    findings.push({
      message: `spec.reset is ${describe(reset)}: the policy falls back to Google's default; expected rules that enforce`,
    });
  }
  const rules = blocks(spec, 'rules');
  rules.forEach((rule, index) => {
    const enforce = own(rule, 'enforce');
    if (truthValue(enforce) === false || isUnknownValue(enforce)) {
      findings.push({
        message: `spec.rules[${index}].enforce is ${describe(enforce)}; expected "TRUE"`,
      });
    }
    const allowAll = own(rule, 'allow_all');
    if (truthValue(allowAll) === true || isUnknownValue(allowAll)) {
      findings.push({
        message: `spec.rules[${index}].allow_all is ${describe(allowAll)}: every value is allowed; expected the values the organization allows`,
      });
    }
  });
  const name = own(after, 'name');
  const parent = own(after, 'parent');
  const belowOrganization = !`${String(parent)} ${String(name)}`.includes('organizations/');
  const restrictive = rules.every(
    (rule) =>
      truthValue(own(rule, 'enforce')) === true || truthValue(own(rule, 'deny_all')) === true,
  );
  const inherit = own(spec, 'inherit_from_parent');
  if (
    belowOrganization &&
    (inherit === false || isUnknownValue(inherit)) &&
    !(rules.length > 0 && restrictive)
  ) {
    findings.push({
      message: `spec.inherit_from_parent is ${describe(inherit)}: the policy drops what its parent enforces; expected true, or rules that enforce or deny all`,
    });
  }
  return findings;
}

function checkLegacyPolicy(after: Attributes, type: string): Finding[] {
  const findings: Finding[] = [];
  const restore = own(block(after, 'restore_policy'), 'default');
  if (restore === true || isUnknownValue(restore)) {
    findings.push({
      message: `restore_policy.default is ${describe(restore)}: the constraint falls back to Google's default; expected a policy that enforces`,
    });
  }
  const enforced = own(block(after, 'boolean_policy'), 'enforced');
  if (enforced === false || isUnknownValue(enforced)) {
    findings.push({ message: `boolean_policy.enforced is ${describe(enforced)}; expected true` });
  }
  const listPolicy = block(after, 'list_policy');
  const allowAll = own(block(listPolicy, 'allow'), 'all');
  if (allowAll === true || isUnknownValue(allowAll)) {
    findings.push({
      message: `list_policy.allow.all is ${describe(allowAll)}: every value is allowed; expected the values the organization allows`,
    });
  }
  const inherit = own(listPolicy, 'inherit_from_parent');
  const denyAll = own(block(listPolicy, 'deny'), 'all') === true;
  if (
    type !== 'google_organization_policy' &&
    listPolicy !== undefined &&
    (inherit === false || isUnknownValue(inherit)) &&
    !denyAll
  ) {
    findings.push({
      message: `list_policy.inherit_from_parent is ${describe(inherit)}: the policy drops what its parent enforces; expected true, or deny.all`,
    });
  }
  return findings;
}

function isUnknownValue(value: unknown): boolean {
  return value === UNKNOWN;
}
