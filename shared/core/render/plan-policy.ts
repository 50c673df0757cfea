import * as v from 'valibot';
import { forbiddenMembers } from '../governance/iam-roles.ts';
import type { Severity } from '../issues/issue.ts';

/**
 * The last check before `terraform apply`: what the saved plan would make must hold to the
 * same policy the compiler enforces on manifests. The renderer and the hardened modules
 * should never produce a plan that fails it; this check is what makes that a guarantee
 * rather than a hope, whatever a module version or a provider default does.
 */

/** Every rule of the plan check, with why it exists. */
export const planRules = {
  'plan/authoritative-iam':
    'IAM is granted member by member; `*_iam_binding` and `*_iam_policy` resources replace whatever else holds the role or the policy.',
  'plan/basic-role': 'No member is granted a basic role (roles/owner, roles/editor, roles/viewer).',
  'plan/public-member': 'No role is granted to allUsers or allAuthenticatedUsers.',
  'plan/open-firewall': 'No firewall rule allows traffic from or to the whole internet.',
  'plan/public-bucket':
    'Every bucket enforces public access prevention and uniform bucket-level access.',
  'plan/exposed-service':
    'A Cloud Run service admits only internal and load-balancer traffic, so that the load balancer (with Cloud Armor, and IAP where routes ask for it) is the only way in from the internet; above all one whose invoker check is off for a public route.',
  'plan/protected-destroy':
    'Keys, databases and projects are not destroyed or replaced unless destruction is allowed for the run.',
} as const;

/** A rule id of the plan check. */
export type PlanRuleId = keyof typeof planRules;

/** One finding on one resource of a plan. */
export interface PlanIssue {
  readonly rule: PlanRuleId;
  readonly severity: Severity;
  /** The resource's address in the plan, such as `module.project.google_project.this`. */
  readonly address: string;
  /** What was found and what is expected instead. */
  readonly message: string;
}

/** What the check found. */
export interface PlanCheck {
  /** How many resource changes (managed resources) were checked. */
  readonly resourceChanges: number;
  /** Sorted by address, then rule. */
  readonly issues: readonly PlanIssue[];
}

/** How the check runs. */
export interface PlanCheckOptions {
  /**
   * Destroying a protected resource is then a warning, not an error: for a run a person
   * asked for explicitly, never for a push.
   */
  readonly allowDestroy?: boolean;
}

/** The input was not `terraform show -json` output of a saved plan. */
export class PlanFormatError extends Error {
  override readonly name = 'PlanFormatError';
}

/** Resources whose loss cannot be undone: key material, databases, whole projects. */
export const protectedResourceTypes: ReadonlySet<string> = new Set([
  'google_kms_crypto_key',
  'google_kms_key_ring',
  'google_alloydb_cluster',
  'google_project',
]);

const basicRoles: ReadonlySet<string> = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);
const everywhere: ReadonlySet<string> = new Set(['0.0.0.0/0', '::/0', '::0/0']);

// Loose: terraform adds fields in minor versions of format 1, and only these are read.
const resourceChangeSchema = v.looseObject(
  {
    address: v.pipe(
      v.string('expected a resource address'),
      v.minLength(1, 'expected a non-empty resource address'),
    ),
    mode: v.optional(v.string('expected "managed" or "data"')),
    type: v.pipe(
      v.string('expected a resource type'),
      v.minLength(1, 'expected a non-empty resource type'),
    ),
    change: v.looseObject(
      {
        actions: v.array(
          v.string('expected an action such as "create"'),
          'expected an array of actions such as ["create"]',
        ),
        after: v.optional(v.unknown()),
      },
      'expected an object with actions, before and after',
    ),
  },
  'expected a resource change object',
);

const planSchema = v.looseObject(
  {
    format_version: v.pipe(
      v.string('expected a format_version string'),
      v.regex(/^1\.\d+$/, 'expected format_version 1.x'),
    ),
    // What tells a saved plan from state, which `terraform show -json` prints as well.
    planned_values: v.looseObject({}, 'expected the planned_values object of a saved plan'),
    resource_changes: v.optional(
      v.array(resourceChangeSchema, 'expected an array of resource changes'),
      [],
    ),
  },
  'expected a JSON object',
);

type ResourceChange = v.InferOutput<typeof resourceChangeSchema>;
type Attributes = Readonly<Record<string, unknown>>;

/**
 * Checks a saved plan, as `terraform show -json` prints it, against the policy. Returns
 * every finding as data; throws a {@link PlanFormatError} naming where and what when the
 * input is not a plan.
 */
export function checkPlan(planJson: unknown, options: PlanCheckOptions = {}): PlanCheck {
  const parsed = v.safeParse(planSchema, planJson, { abortEarly: false });
  if (!parsed.success) {
    const problems = parsed.issues.slice(0, 10).map((issue) => {
      const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
      // valibot reports a missing key with the message of the object that lacks it.
      if (path !== '' && issue.input === undefined) return `${path}: missing`;
      return `${path === '' ? '(top level)' : path}: ${issue.message}, found ${issue.received}`;
    });
    throw new PlanFormatError(
      `not a Terraform plan in JSON (terraform show -json PLANFILE, not of the state):\n  ${problems.join('\n  ')}`,
    );
  }
  const managed = parsed.output.resource_changes.filter(
    (change) => change.mode === undefined || change.mode === 'managed',
  );
  const issues = managed.flatMap((change) => checkChange(change, options));
  issues.sort(
    (a, b) =>
      (a.address < b.address ? -1 : a.address > b.address ? 1 : 0) ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
  return { resourceChanges: managed.length, issues };
}

function checkChange(change: ResourceChange, options: PlanCheckOptions): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const report = (rule: PlanRuleId, message: string, severity: Severity = 'error') => {
    issues.push({ rule, severity, address: change.address, message });
  };
  const { actions } = change.change;
  if (actions.includes('delete') && protectedResourceTypes.has(change.type)) {
    const what = actions.includes('create') ? 'replaces' : 'destroys';
    report(
      'plan/protected-destroy',
      options.allowDestroy === true
        ? `the plan ${what} this ${change.type}; allowed for this run`
        : `the plan ${what} this ${change.type}, which cannot be undone; a push never destroys it (change the manifests or the module so that it is kept)`,
      options.allowDestroy === true ? 'warning' : 'error',
    );
  }
  // What is deleted and not recreated will not exist: only the resulting state is policed.
  const after = attributes(change.change.after);
  if (after === undefined) return issues;

  if (/_iam_(?:binding|policy)$/.test(change.type)) {
    report(
      'plan/authoritative-iam',
      `${change.type} is authoritative: it removes every member it does not name; expected the member-level ${change.type.replace(/_iam_(?:binding|policy)$/, '_iam_member')}`,
    );
  }
  checkIam(after, report);
  if (change.type === 'google_compute_firewall') checkFirewall(after, report);
  if (change.type === 'google_storage_bucket') checkBucket(after, report);
  if (change.type === 'google_cloud_run_v2_service') checkService(after, report);
  return issues;
}

type Report = (rule: PlanRuleId, message: string) => void;

function checkIam(after: Attributes, report: Report): void {
  const role = after['role'];
  if (typeof role === 'string' && basicRoles.has(role)) {
    report(
      'plan/basic-role',
      `grants the basic role ${role}; expected a predefined or custom role of least privilege`,
    );
  }
  const members = [...strings([after['member']]), ...strings(after['members'])];
  for (const member of members) {
    if (forbiddenMembers.has(member)) {
      report(
        'plan/public-member',
        `grants ${typeof role === 'string' ? role : 'a role'} to ${member}, which makes the resource public`,
      );
    }
  }
}

function checkFirewall(after: Attributes, report: Report): void {
  const allows = Array.isArray(after['allow']) && after['allow'].length > 0;
  if (!allows) return;
  const egress = after['direction'] === 'EGRESS';
  const ranges = strings(after[egress ? 'destination_ranges' : 'source_ranges']);
  // Google Cloud treats an ingress rule with no source at all as one from 0.0.0.0/0, and
  // an egress rule with no destination as one to 0.0.0.0/0.
  const implicit =
    ranges.length === 0 &&
    (egress ||
      (strings(after['source_tags']).length === 0 &&
        strings(after['source_service_accounts']).length === 0));
  const open = ranges.filter((range) => everywhere.has(range));
  if (open.length === 0 && !implicit) return;
  const range = open.length > 0 ? open.join(' and ') : 'no range (which means 0.0.0.0/0)';
  report(
    'plan/open-firewall',
    egress
      ? `allows egress to ${range}; expected the destinations the manifests allow, or a deny rule`
      : `allows ingress from ${range}; expected the sources the manifests allow, or a deny rule`,
  );
}

function checkBucket(after: Attributes, report: Report): void {
  const prevention = after['public_access_prevention'];
  if (prevention !== 'enforced') {
    report(
      'plan/public-bucket',
      `public_access_prevention is ${describe(prevention)}; expected "enforced"`,
    );
  }
  const uniform = after['uniform_bucket_level_access'];
  if (uniform !== true) {
    report(
      'plan/public-bucket',
      `uniform_bucket_level_access is ${describe(uniform)}; expected true, so that object ACLs cannot grant access`,
    );
  }
}

function checkService(after: Attributes, report: Report): void {
  const ingress = after['ingress'];
  if (ingress === 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER') return;
  report(
    'plan/exposed-service',
    `ingress is ${describe(ingress)}${after['invoker_iam_disabled'] === true ? ' while the invoker check is off: anyone could call it directly' : ''}; expected "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"`,
  );
}

function attributes(value: unknown): Attributes | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Attributes)
    : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function describe(value: unknown): string {
  return value === undefined || value === null ? 'not set' : JSON.stringify(value);
}
