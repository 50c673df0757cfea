import type { Plan } from '../governance/build-plan.ts';
import type { IamBinding, Provenance } from '../governance/governance-model.ts';
import type { WorkspacePlan } from '../governance/plan.ts';
import { createStyles, type Styles } from './code-frame.ts';

/** How {@link formatPlanText} writes a plan. */
export interface PlanTextOptions {
  readonly color: boolean;
  /**
   * Characters the workspaces may take: those past it are counted rather than shown, and
   * the rest (CODEOWNERS, public exposure, consent, the summary) is always shown. For a
   * place with a size limit, where a first push's plan (megabytes) would be cut anyway.
   */
  readonly maxWorkspaceLength?: number;
}

/**
 * A plan for people, in the manner of `terraform plan`: grouped by workspace, `+` to
 * create or add, `-/+` to replace (with the attribute that forces it), `~` to change in
 * place, `-` to destroy or remove, each entry with the manifest entry that causes it; then
 * CODEOWNERS, public exposure, consent, what is declared and not rendered, the data the change
 * would lose, and a summary.
 */
export function formatPlanText(plan: Plan, options: PlanTextOptions): string {
  const s = createStyles(options.color);
  const out: string[] = [`Infrastream plan: ${plan.base ?? 'nothing'} → ${plan.head}`, ''];
  if (
    plan.workspaces.length === 0 &&
    plan.codeowners.add.length + plan.codeowners.remove.length === 0 &&
    plan.consent.length === 0 &&
    plan.issues.length === 0 &&
    plan.unsupported.length === 0
  ) {
    out.push(s.green('No changes. The desired state matches the base revision.'));
    return `${out.join('\n')}\n`;
  }
  let length = 0;
  let shown = 0;
  for (const workspace of plan.workspaces) {
    const lines = formatWorkspace(workspace, s);
    length += lines.reduce((sum, line) => sum + line.length + 1, 1);
    if (options.maxWorkspaceLength !== undefined && length > options.maxWorkspaceLength) break;
    out.push(...lines, '');
    shown++;
  }
  const hidden = plan.workspaces.length - shown;
  if (hidden > 0) {
    out.push(
      s.dim(
        `# … ${hidden} more workspace${hidden === 1 ? '' : 's'} not shown (too large); the summary counts them`,
      ),
      '',
    );
  }
  if (plan.codeowners.add.length + plan.codeowners.remove.length > 0) {
    out.push(s.bold('# CODEOWNERS'));
    for (const line of plan.codeowners.remove) out.push(s.red(`  - ${line}`));
    for (const line of plan.codeowners.add) out.push(s.green(`  + ${line}`));
    out.push('');
  }
  if (plan.publicExposure.length > 0) {
    out.push(s.bold(s.yellow('# Public exposure: anyone on the internet can reach')));
    for (const exposure of plan.publicExposure) {
      out.push(
        s.yellow(
          `  ! ${exposure.workspace} ${exposure.route} rule ${exposure.rule}: ${JSON.stringify(exposure.matches)} → ${exposure.destinations.join(', ')}`,
        ),
      );
      out.push(s.dim(`      # ${exposure.file}#/spec/rules/${exposure.rule}`));
    }
    out.push('');
  }
  if (plan.consent.length > 0) {
    out.push(s.bold('# Consent needed: this change reaches what other people own'));
    for (const request of plan.consent) {
      out.push(`  ? ${request.edge}  (${request.workspace})`);
      out.push(s.dim(`      ${request.requestedBy} ${request.reason}`));
      out.push(
        `      approval from ${request.owners.join(' ')}  ${s.dim(`(owners of ${request.target})`)}`,
      );
    }
    out.push('');
  }
  if (plan.unsupported.length > 0) {
    out.push(s.bold(s.yellow('# Not rendered: declared, but will not happen')));
    for (const issue of plan.unsupported) {
      out.push(s.yellow(`  ! ${issue.file}:${issue.line}:${issue.column} ${issue.rule}`));
      out.push(`      ${issue.message}`);
    }
    out.push('');
  }
  if (plan.issues.length > 0) {
    out.push(s.bold(s.red('# Refused: this change loses data its declarations do not allow')));
    for (const issue of plan.issues) {
      out.push(s.red(`  ! ${issue.file}:${issue.line}:${issue.column} ${issue.rule}`));
      out.push(`      ${issue.message}`);
      for (const related of issue.related ?? [])
        out.push(
          s.dim(`      # ${related.file}:${related.line}:${related.column} ${related.message}`),
        );
    }
    out.push('');
  }
  const n = plan.summary;
  const replaced = n.replace > 0 ? ` (${n.replace} replaced)` : '';
  out.push(
    s.bold(
      `Plan: ${n.create} to create, ${n.update} to change, ${n.destroy} to destroy${replaced}; ` +
        `${n.iamAdd} IAM bindings to add, ${n.iamRemove} to remove; ` +
        `${n.firewallChanges} firewall and ${n.egressChanges} egress changes; ` +
        `${n.codeownersChanges} CODEOWNERS lines; in ${n.workspaces} workspace${n.workspaces === 1 ? '' : 's'}.`,
    ),
  );
  return `${out.join('\n')}\n`;
}

function formatWorkspace(plan: WorkspacePlan, s: Styles): string[] {
  const out = [s.bold(`# workspace ${plan.id}`)];
  const cause = (provenance: Provenance) =>
    s.dim(`      # ${provenance.file}#${provenance.pointer}`);
  for (const resource of plan.create)
    out.push(s.green(`  + ${resource.address}`), cause(resource.cause));
  // Apart from the changes in place: a replacement destroys what was there first.
  for (const resource of plan.replace) {
    out.push(s.red(`-/+ ${resource.address}`) + s.dim('  (destroyed, then created again)'));
    for (const change of resource.changes ?? []) {
      const forced = resource.forcedBy?.find((item) => item.path === change.path);
      const forces =
        forced === undefined
          ? ''
          : s.red(
              `  # forces replacement: ${Object.entries(forced.resources)
                .map(([address, attribute]) => `${address} ${attribute}`)
                .join(', ')}`,
            );
      out.push(`      ${change.path}: ${show(change.before)} → ${show(change.after)}${forces}`);
    }
    if (resource.allowedBecause !== undefined)
      out.push(s.yellow(`      allowed: ${resource.allowedBecause}`));
    out.push(cause(resource.cause));
  }
  for (const resource of plan.update) {
    out.push(s.yellow(`  ~ ${resource.address}`));
    for (const change of resource.changes ?? []) {
      out.push(`      ${change.path}: ${show(change.before)} → ${show(change.after)}`);
    }
    out.push(cause(resource.cause));
  }
  for (const resource of plan.destroy) {
    out.push(s.red(`  - ${resource.address}`));
    if (resource.allowedBecause !== undefined)
      out.push(s.yellow(`      allowed: ${resource.allowedBecause}`));
    out.push(cause(resource.cause));
  }
  const binding = (b: IamBinding) => `iam ${b.role} ${b.member} on ${b.resource}`;
  for (const b of plan.iam.add) out.push(s.green(`  + ${binding(b)}`), cause(b.cause));
  for (const b of plan.iam.remove) out.push(s.red(`  - ${binding(b)}`), cause(b.cause));
  const rule = (r: WorkspacePlan['firewall']['add'][number]) =>
    `firewall ${r.name} ${r.direction} ${r.action} ${r.ranges.join(',')} ${r.protocols.map((p) => `${p.protocol}${p.ports ? `:${p.ports.join(',')}` : ''}`).join(' ')}`;
  for (const r of plan.firewall.add) out.push(s.green(`  + ${rule(r)}`), cause(r.cause));
  for (const r of plan.firewall.update) out.push(s.yellow(`  ~ ${rule(r)}`), cause(r.cause));
  for (const r of plan.firewall.remove) out.push(s.red(`  - ${rule(r)}`), cause(r.cause));
  for (const e of plan.egress.add) out.push(s.green(`  + egress ${e.destination}`), cause(e.cause));
  for (const e of plan.egress.remove)
    out.push(s.red(`  - egress ${e.destination}`), cause(e.cause));
  return out;
}

/** A value of a changed attribute: JSON, or `(none)` where it is absent. */
function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}
