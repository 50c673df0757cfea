// An allow rule of project-firewall always has a source (ingress) or a destination (egress):
// Google Cloud reads an ingress rule without any source as one from 0.0.0.0/0. Checked by
// evaluating the module's own expressions with terraform (no provider is needed to evaluate
// variables, locals and outputs): the variable's validation, the allow resource's own
// preconditions, and the source attributes it would send.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blocks, loadModules, modulesDir, moduleNamed, text, type Json } from './load-modules.ts';

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const terraformMissing = terraform.error !== undefined || terraform.status !== 0;
const reason = 'terraform is not on PATH: cannot evaluate the module';

const firewallModule = moduleNamed(await loadModules(), 'project-firewall');
const allow = firewallModule.resources.find(
  (resource) => resource.type === 'google_compute_firewall' && resource.name === 'allow',
);
if (allow === undefined) throw new Error('project-firewall has no google_compute_firewall.allow');
const preconditions = blocks(allow.body, 'lifecycle').flatMap((lifecycle) =>
  blocks(lifecycle, 'precondition'),
);

const scratch = mkdtempSync(join(tmpdir(), 'firewall-sources-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** An expression of the module as HCL text, with `each.key`/`each.value` as `key`/`rule`. */
function hcl(value: Json | undefined): string {
  const expression = text(value);
  const inner =
    expression.startsWith('${') && expression.endsWith('}')
      ? expression.slice(2, -1)
      : JSON.stringify(expression);
  return inner.replaceAll(/\beach\.value\b/g, 'rule').replaceAll(/\beach\.key\b/g, 'key');
}

const base = {
  description: 'Allows what the test needs.',
  protocol: 'tcp',
  ports: ['443'],
  target_service_accounts: ['shipment-api@kestrel-shipments-prod.iam.gserviceaccount.com'],
};
const callee = 'label-printer@kestrel-shipments-prod.iam.gserviceaccount.com';
const rules = {
  ingressFromRanges: {
    ...base,
    name: 'from-ranges',
    direction: 'INGRESS',
    ranges: ['10.1.0.0/16'],
  },
  ingressFromAccounts: {
    ...base,
    name: 'from-accounts',
    direction: 'INGRESS',
    source_service_accounts: [callee],
  },
  ingressFromBoth: {
    ...base,
    name: 'from-both',
    direction: 'INGRESS',
    ranges: ['10.1.0.0/16'],
    source_service_accounts: [callee],
  },
  egressToRanges: { ...base, name: 'to-ranges', direction: 'EGRESS', ranges: ['10.100.2.0/24'] },
  ingressFromNothing: { ...base, name: 'from-nothing', direction: 'INGRESS' },
  egressToNothing: { ...base, name: 'to-nothing', direction: 'EGRESS' },
};

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly output: Record<string, Evaluated>;
}

interface Evaluated {
  readonly source_ranges: string[] | null;
  readonly source_service_accounts: string[] | null;
  readonly destination_ranges: string[] | null;
  readonly preconditions: boolean[];
}

/**
 * Applies a root module that evaluates, for each rule, the allow resource's source
 * attributes and preconditions. With `validated` false the variable keeps its type (and
 * defaults) but not its validation, as if a future edit had loosened it.
 */
function evaluate(name: string, allowRules: readonly object[], validated: boolean): Run {
  const directory = join(scratch, name);
  const variable = firewallModule.variables.get('allow_rules');
  const variables = join(modulesDir, 'project-firewall', 'variables.tf');
  const attributes = ['source_ranges', 'source_service_accounts', 'destination_ranges']
    .map((key) => `${key} = ${hcl(allow?.body[key])}`)
    .join(', ');
  const conditions = preconditions.map((precondition) => hcl(precondition.condition)).join(', ');
  const root = {
    ...(validated ? {} : { variable: { allow_rules: { type: hcl(variable?.body.type).trim() } } }),
    locals: { allow_rules: `\${${hcl(firewallModule.locals.get('allow_rules'))}}` },
    output: {
      rules: {
        value: `\${{ for key, rule in local.allow_rules : key => { ${attributes}, preconditions = [${conditions}] } }}`,
      },
    },
  };
  spawnSync('mkdir', ['-p', directory]);
  writeFileSync(join(directory, 'evaluate.tf.json'), JSON.stringify(root, null, 2));
  if (validated) writeFileSync(join(directory, 'variables.tf'), readFileSync(variables));
  writeFileSync(
    join(directory, 'terraform.tfvars.json'),
    JSON.stringify({
      allow_rules: allowRules,
      ...(validated
        ? {
            project_id: 'kestrel-network-hub',
            network: 'projects/kestrel-network-hub/global/networks/hub',
            name_prefix: 'shipments',
          }
        : {}),
    }),
  );
  const options = {
    cwd: directory,
    encoding: 'utf8' as const,
    env: { ...process.env, TF_IN_AUTOMATION: '1' },
  };
  const apply = spawnSync(
    'terraform',
    ['apply', '-auto-approve', '-input=false', '-no-color'],
    options,
  );
  if (apply.status !== 0) return { status: apply.status, stderr: apply.stderr, output: {} };
  const output = spawnSync('terraform', ['output', '-json', 'rules'], options);
  return {
    status: apply.status,
    stderr: apply.stderr,
    output: JSON.parse(output.stdout) as Record<string, Evaluated>,
  };
}

describe('terraform-modules: project-firewall allow rules always have a source', () => {
  it('INFRASTREAM_FIREWALL_NO_IMPLICIT_ANYWHERE: the variable refuses an ingress rule with neither ranges nor source service accounts, and an egress rule without ranges', (context) => {
    context.skip(terraformMissing, reason);
    for (const rule of [rules.ingressFromNothing, rules.egressToNothing]) {
      const run = evaluate(`validated-${rule.name}`, [rule], true);
      expect(run.status, run.stderr).not.toBe(0);
      expect(run.stderr.replaceAll(/\s+/g, ' ')).toContain(
        'INGRESS rules need ranges or source_service_accounts',
      );
    }
  });

  it('INFRASTREAM_FIREWALL_ALLOW_HAS_SOURCE: the allow resource itself refuses a rule with no source, whatever the validation lets through', (context) => {
    context.skip(terraformMissing, reason);
    expect(
      preconditions.length,
      'google_compute_firewall.allow has no precondition',
    ).toBeGreaterThan(0);
    const run = evaluate('unvalidated', Object.values(rules), false);
    expect(run.status, run.stderr).toBe(0);
    const holds = (name: string) => run.output[name]?.preconditions.every(Boolean);
    expect(holds('from-nothing')).toBe(false);
    expect(holds('to-nothing')).toBe(false);
    for (const name of ['from-ranges', 'from-accounts', 'from-both', 'to-ranges']) {
      expect(holds(name), name).toBe(true);
    }
  });

  it('INFRASTREAM_FIREWALL_ALLOW_HAS_SOURCE: every valid rule is sent with a source or a destination', (context) => {
    context.skip(terraformMissing, reason);
    const valid = [
      rules.ingressFromRanges,
      rules.ingressFromAccounts,
      rules.ingressFromBoth,
      rules.egressToRanges,
    ];
    const run = evaluate('validated-valid', valid, true);
    expect(run.status, run.stderr).toBe(0);
    const nonEmpty = (list: string[] | null | undefined) => (list ?? []).length > 0;
    for (const rule of valid) {
      const sent = run.output[rule.name];
      expect(sent, rule.name).toBeDefined();
      if (rule.direction === 'EGRESS') {
        expect(nonEmpty(sent?.destination_ranges), rule.name).toBe(true);
      } else {
        expect(
          nonEmpty(sent?.source_ranges) || nonEmpty(sent?.source_service_accounts),
          rule.name,
        ).toBe(true);
      }
    }
  });
});
