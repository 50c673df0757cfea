import { compareIssues, compareStrings, type Issue } from '../issues/issue.ts';
import { computeCodeowners, computeCodeownersIncrementally } from './codeowners.ts';
import { compileWorkspaces } from './compile-workspaces.ts';
import {
  compareConsentRequests,
  consentRequests,
  moveConsentRequests,
  type ConsentRequest,
} from './consent.ts';
import { dataLossIssues } from './data-loss.ts';
import type { DesiredState, GraphNode } from './desired-state.ts';
import { checkUnsupportedFields } from '../render/unsupported-fields.ts';
import type { Json, ModelResource, WorkspaceModel } from './governance-model.ts';
import { affectedWorkspaces } from './affected-workspaces.ts';
import {
  canonical,
  diffModels,
  type CodeownersChange,
  type GovernanceModel,
  type WorkspacePlan,
} from './plan.ts';

/** A route rule anyone on the internet can reach, that the change opens. */
export interface PublicExposure {
  readonly workspace: string;
  readonly route: string;
  readonly file: string;
  readonly rule: number;
  readonly matches: Json;
  readonly destinations: readonly string[];
}

/** Counts for the summary line. */
export interface PlanSummary {
  readonly workspaces: number;
  /** Resources created, replacements included. */
  readonly create: number;
  /** Resources replaced: each is destroyed and created, and counted in both. */
  readonly replace: number;
  readonly update: number;
  /** Resources destroyed, replacements included. */
  readonly destroy: number;
  readonly iamAdd: number;
  readonly iamRemove: number;
  readonly firewallChanges: number;
  readonly egressChanges: number;
  readonly codeownersChanges: number;
}

/**
 * What a change does to the cloud: the contract between `infrastream plan`, the pipeline
 * and whoever reviews a pull request. Only affected workspaces appear.
 */
export interface Plan {
  readonly format: 'infrastream.plan/v1';
  readonly base: string | null;
  readonly head: string;
  readonly workspaces: readonly WorkspacePlan[];
  readonly codeowners: CodeownersChange;
  readonly consent: readonly ConsentRequest[];
  readonly publicExposure: readonly PublicExposure[];
  /** Why the change must not be applied as it is: data it would lose without consent. */
  readonly issues: readonly Issue[];
  /**
   * What the manifests the change adds or changes declare and the renderer does not do yet
   * (`render/unsupported`): accepted, shown, not applied.
   */
  readonly unsupported: readonly Issue[];
  readonly summary: PlanSummary;
}

/** Compiles a desired state into the model a plan compares. */
export function compileGovernance(state: DesiredState): GovernanceModel {
  return { workspaces: compileWorkspaces(state), codeowners: computeCodeowners(state) };
}

/**
 * Compiles a revision by reusing the model of an earlier one: only the workspaces the
 * change can reach are compiled again, the others are taken as they were.
 */
export function compileIncrementally(
  base: { readonly state: DesiredState; readonly model: GovernanceModel },
  head: DesiredState,
): { readonly model: GovernanceModel; readonly recompiled: ReadonlySet<string> } {
  const recompiled = affectedWorkspaces(base.state, head);
  const fresh = compileWorkspaces(head, recompiled);
  const workspaces = new Map<string, WorkspaceModel>();
  for (const id of head.workspaces) {
    const model = fresh.get(id) ?? base.model.workspaces.get(id);
    if (model !== undefined) workspaces.set(id, model);
  }
  const codeowners = computeCodeownersIncrementally(
    { state: base.state, codeowners: base.model.codeowners },
    head,
  );
  return { model: { workspaces, codeowners }, recompiled };
}

/** The files a revision's manifests are declared in. */
function filesOf(state: DesiredState): ReadonlySet<string> {
  return new Set([...state.nodes.values()].map((node) => node.file));
}

/** The nodes of the head that the base does not have, or has with another manifest. */
function changedNodes(base: DesiredState, head: DesiredState): GraphNode[] {
  return [...head.nodes.values()].filter((node) => {
    const before = base.nodes.get(node.id);
    if (before === undefined) return true;
    // The same text is the same manifest: most nodes are compared without serializing them.
    if (before.manifest === node.manifest || before.source.text === node.source.text) return false;
    return canonical(before.manifest) !== canonical(node.manifest);
  });
}

/** Plans the change from one revision's desired state to another's. */
export function buildPlan(
  base: {
    readonly label: string | null;
    readonly state: DesiredState;
    readonly model?: GovernanceModel;
  },
  head: { readonly label: string; readonly state: DesiredState; readonly model?: GovernanceModel },
): Plan {
  const before = base.model ?? compileGovernance(base.state);
  const after = head.model ?? compileGovernance(head.state);
  const diff = diffModels(before, after);
  // Consent asks which files the base has only when the plan adds an access edge.
  let baseFiles: ReadonlySet<string> | undefined;
  const consent = [
    ...consentRequests(
      diff,
      after.workspaces,
      {
        base: before.codeowners.lines,
        head: after.codeowners.lines,
        inBase: (file) => (baseFiles ??= filesOf(base.state)).has(file),
      },
      (id) => head.state.nodes.get(id)?.file,
    ),
    ...moveConsentRequests(
      { state: base.state, codeowners: before.codeowners.lines },
      { state: head.state, codeowners: after.codeowners.lines },
    ),
  ].sort(compareConsentRequests);
  const publicExposure = diff.workspaces.flatMap((workspace) =>
    [...workspace.create, ...workspace.replace, ...workspace.update]
      .filter((change) => change.type === 'route')
      .flatMap((change) => newlyPublicRules(workspace.id, change.address, before, after)),
  );
  const count = (pick: (plan: WorkspacePlan) => number) =>
    diff.workspaces.reduce((sum, plan) => sum + pick(plan), 0);
  return {
    format: 'infrastream.plan/v1',
    base: base.label,
    head: head.label,
    workspaces: diff.workspaces,
    codeowners: diff.codeowners,
    consent,
    publicExposure,
    issues: dataLossIssues(diff.workspaces, base.state, head.state).sort(compareIssues),
    unsupported: checkUnsupportedFields(changedNodes(base.state, head.state)).sort(compareIssues),
    summary: {
      workspaces: diff.workspaces.length,
      create: count((plan) => plan.create.length + plan.replace.length),
      replace: count((plan) => plan.replace.length),
      update: count((plan) => plan.update.length),
      destroy: count((plan) => plan.destroy.length + plan.replace.length),
      iamAdd: count((plan) => plan.iam.add.length),
      iamRemove: count((plan) => plan.iam.remove.length),
      firewallChanges: count(
        (plan) =>
          plan.firewall.add.length + plan.firewall.remove.length + plan.firewall.update.length,
      ),
      egressChanges: count((plan) => plan.egress.add.length + plan.egress.remove.length),
      codeownersChanges: diff.codeowners.add.length + diff.codeowners.remove.length,
    },
  };
}

interface RouteRule {
  readonly matches?: Json;
  readonly authentication?: readonly Json[];
  readonly action?: { readonly destinations?: readonly { readonly deploymentConfig?: string }[] };
}

function newlyPublicRules(
  workspace: string,
  address: string,
  base: GovernanceModel,
  head: GovernanceModel,
): PublicExposure[] {
  const find = (model: GovernanceModel): ModelResource | undefined =>
    model.workspaces.get(workspace)?.resources.find((resource) => resource.address === address);
  const rulesOf = (resource: ModelResource | undefined) =>
    (resource?.attributes['rules'] ?? []) as readonly RouteRule[];
  const isPublic = (rule: RouteRule) => (rule.authentication ?? []).length === 0;
  const route = find(head);
  const before = new Set(
    rulesOf(find(base))
      .filter(isPublic)
      .map((rule) => canonical(rule)),
  );
  return rulesOf(route).flatMap((rule, index) =>
    isPublic(rule) && !before.has(canonical(rule))
      ? [
          {
            workspace,
            route: address,
            file: route?.cause.file ?? '',
            rule: index,
            matches: rule.matches ?? null,
            destinations: (rule.action?.destinations ?? [])
              .map((destination) => destination.deploymentConfig ?? '')
              .sort(compareStrings),
          },
        ]
      : [],
  );
}
