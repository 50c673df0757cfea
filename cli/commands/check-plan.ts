import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkPlan, type PlanCheck } from '../../shared/core/plan-guard/check-plan.ts';
import { PlanFormatError } from '../../shared/core/plan-guard/read-plan.ts';
import { exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';

const formats = ['text', 'json'] as const;
type Format = (typeof formats)[number];

/** The help of `infrastream check-plan`. */
export const checkPlanUsage = `Usage: infrastream check-plan FILE [--format text|json] [--allow-destroy]

Checks a saved Terraform plan, as printed by \`terraform show -json PLANFILE > FILE\`,
against the plan guard's rules before it is applied: only resource types the hardened
modules declare; member-level IAM, no basic or privileged roles, nothing public; no
firewall rule, database or address open to the internet; services behind the load
balancer; buckets closed; no service account keys or ACLs; organization policies kept;
no destruction of data-bearing resources.
  --allow-destroy  destroying a protected resource is a warning instead of an error
Exit status: 0 when the plan may be applied, 1 when it has errors, 2 on a usage error or
a FILE that cannot be read or is not a plan.`;

/** `infrastream check-plan`: the policy check every build runs between plan and apply. */
export async function checkPlanCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f', default: 'text' },
      'allow-destroy': { type: 'boolean', default: false },
    },
  });
  const format = values.format;
  if (!formats.includes(format as Format)) {
    throw new UsageError(`--format must be one of ${formats.join(', ')}, not "${format}"`);
  }
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError('expected the plan FILE');
  if (extra.length > 0) throw new UsageError(`expected one FILE, found ${positionals.length}`);

  const path = resolve(io.cwd, file);
  let check: PlanCheck;
  try {
    check = checkPlan(JSON.parse(await readFile(path, 'utf8')), {
      allowDestroy: values['allow-destroy'],
    });
  } catch (error) {
    if (error instanceof PlanFormatError || error instanceof SyntaxError || isFsError(error)) {
      io.stderr(`infrastream check-plan: ${file}: ${(error as Error).message}\n`);
      return exitCodes.usage;
    }
    throw error;
  }
  io.stdout(format === 'json' ? `${JSON.stringify(check, null, 2)}\n` : formatText(check));
  return check.issues.some((issue) => issue.severity === 'error') ? exitCodes.issues : exitCodes.ok;
}

function formatText(check: PlanCheck): string {
  const lines = check.issues.map(
    (issue) => `${issue.address}  ${issue.severity}  ${issue.message}  (${issue.rule})`,
  );
  const errors = check.issues.filter((issue) => issue.severity === 'error').length;
  const warnings = check.issues.length - errors;
  const checked = `${check.resourceChanges} resource change${check.resourceChanges === 1 ? '' : 's'} checked`;
  const summary =
    check.issues.length === 0
      ? `✔ no policy issues (${checked})`
      : `${errors > 0 ? '✖' : '⚠'} ${plural(errors, 'error')}, ${plural(warnings, 'warning')} (${checked})`;
  return `${[...lines, ...(lines.length > 0 ? [''] : []), summary].join('\n')}\n`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function isFsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/** `infrastream check-plan`, for the command table. */
export const command: Command = { run: checkPlanCommand, usage: checkPlanUsage };
