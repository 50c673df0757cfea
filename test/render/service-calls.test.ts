import { describe, expect, it } from 'vitest';
import { desiredAssets } from '../../shared/core/drift/desired-assets.ts';
import { affectedWorkspaces } from '../../shared/core/governance/affected-workspaces.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { buildPlan } from '../../shared/core/governance/build-plan.ts';
import type { DesiredState } from '../../shared/core/governance/desired-state.ts';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { editedOrganization, group, type Edit } from '../support/base-organization.ts';
import { examplesDirectory } from '../support/corpus.ts';
import {
  issuesOf as allIssuesOf,
  renderEdited as render,
  type ModuleCalls,
} from '../support/route-fixtures.ts';

/** The issues of an edited organization but the warnings of fields it does not render. */
const issuesOf = (...args: Parameters<typeof allIssuesOf>) =>
  allIssuesOf(...args).filter((issue) => !issue.rule.startsWith('render/'));

/**
 * Calls between applications on the base organization: `shop` runs in project `shop` of
 * unit `payments`, in staging and production; more applications, a second project and a
 * production-only release track are added here.
 */

const metadata = (environment: string, project: string) => `  project: ${project}
  environment: ${environment}
  organizational-unit: payments
  organization: acme`;

/** The `billing` project, in both environments. */
const billing: Edit[] = ['staging', 'production'].map((environment) => ({
  file: `payments/${environment}/billing/project.yaml`,
  content: `apiVersion: lowops.manifests.v1
kind: Project
metadata:
  name: billing
  environment: ${environment}
  organizational-unit: payments
  organization: acme
spec:
  displayName: Billing ${environment}
  region: europe-west1
`,
}));

/** The `nightly` release track, which deploys only to production, and its set `batch`. */
const nightly: Edit[] = [
  {
    file: 'payments/nightly.yaml',
    content: `apiVersion: lowops.manifests.v1
kind: ReleaseTrack
metadata:
  name: nightly
  organizational-unit: payments
  organization: acme
spec:
  description: Production only
  releaseStages:
    - environments:
        - production
`,
  },
  {
    file: 'payments/batch/application-set.yaml',
    content: `apiVersion: lowops.manifests.v1
kind: ApplicationSet
metadata:
  name: batch
  release-track: nightly
  organizational-unit: payments
  organization: acme
spec:
  description: Batch jobs
`,
  },
];

/**
 * An application of project `project` with its DeploymentConfigs, calling `calls`; on
 * track `main` (set `storefront`, both environments) unless `nightly` (production only).
 */
function application(
  name: string,
  project: string,
  calls: readonly string[] = [],
  track: 'main' | 'nightly' = 'main',
): Edit[] {
  const set = track === 'main' ? 'storefront' : 'batch';
  const environments = track === 'main' ? ['staging', 'production'] : ['production'];
  const access =
    calls.length === 0
      ? ''
      : `  accessControl:\n    calls:\n${calls.map((callee) => `      - ${callee}\n`).join('')}`;
  return [
    {
      file: `payments/${set}/${name}.yaml`,
      content: `apiVersion: lowops.manifests.v1
kind: Application
metadata:
  name: ${name}
  application-set: ${set}
  release-track: ${track}
  organizational-unit: payments
  organization: acme
spec:
  description: Application ${name}
  project: ${project}
  buildDefinition: shop
  target: CLOUD_RUN
${access}`,
    },
    ...environments.map((environment) => ({
      file: `payments/${environment}/${project}/${name}-config.yaml`,
      content: `apiVersion: lowops.manifests.v1
kind: DeploymentConfig
metadata:
  name: ${name}
${metadata(environment, project)}
spec:
  description: ${name} in ${environment}
  ports:
    8080: http
  scaling:
    min: 0
    max: 2
`,
    })),
  ];
}

/** `shop` (of the base organization) calls the applications named. */
const shopCalls = (...callees: string[]): Edit => ({
  file: 'payments/storefront/shop.yaml',
  append: `    calls:\n${callees.map((callee) => `      - ${callee}\n`).join('')}`,
});

type Rendered = ReturnType<typeof render>;

/** The invoker members of a service, by key, in one rendered workspace. */
function invokers(
  rendered: Rendered,
  workspace: string,
  service: string,
): Record<string, unknown> | undefined {
  const modules: ModuleCalls = rendered.get(workspace)?.module ?? {};
  return modules[`service_${service}`]?.['invoker_members'] as Record<string, unknown> | undefined;
}

/** The invoker members of a service that are not push subscriptions' identities. */
function callers(rendered: Rendered, workspace: string, service: string): unknown[] {
  return Object.values(invokers(rendered, workspace, service) ?? {}).filter(
    (member) => !String(member).includes('identity_push'),
  );
}

const WORKSPACES = ['payments.staging.shop', 'payments.production.shop'] as const;

describe('calls between applications', () => {
  it('makes the caller, and only the caller, an invoker of the callee in every environment', () => {
    const rendered = render(
      ...application('admin', 'shop', ['shop']),
      ...application('reports', 'shop'),
    );
    for (const workspace of WORKSPACES) {
      expect(callers(rendered, workspace, 'shop')).toEqual([
        'serviceAccount:${module.identity_admin.email}',
      ]);
      // Neither the reverse pair nor an application nobody calls gets an invoker.
      expect(invokers(rendered, workspace, 'admin')).toEqual({});
      expect(invokers(rendered, workspace, 'reports')).toEqual({});
    }
  });

  it('grants nothing to a pair no call declares', () => {
    const rendered = render(...application('admin', 'shop'), ...application('reports', 'shop'));
    for (const workspace of WORKSPACES) {
      expect(callers(rendered, workspace, 'shop')).toEqual([]);
      expect(invokers(rendered, workspace, 'admin')).toEqual({});
    }
  });

  it('grants the callee in its own project to the caller of another, by the email of its identity', () => {
    const rendered = render(...billing, ...application('ledger', 'billing', ['shop']));
    for (const environment of ['staging', 'production']) {
      const caller = rendered.get(`payments.${environment}.billing`)?.module ?? {};
      const email = `${String(caller['identity_ledger']?.['account_id'])}@${String(caller['project']?.['project_id'])}.iam.gserviceaccount.com`;
      expect(callers(rendered, `payments.${environment}.shop`, 'shop')).toEqual([
        `serviceAccount:${email}`,
      ]);
      expect(invokers(rendered, `payments.${environment}.billing`, 'ledger')).toEqual({});
    }
    // The grant is the callee's workspace's: the caller's renders no IAM of its own for it.
    expect(rendered.get('payments.production.billing')?.text).not.toContain('run.invoker');
  });

  it('expects drift to find the grant to the caller of another project under that email', () => {
    const edits = [...billing, ...application('ledger', 'billing', ['shop'])];
    const rendered = render(...edits);
    const caller = rendered.get('payments.production.billing')?.module ?? {};
    const email = `${String(caller['identity_ledger']?.['account_id'])}@${String(caller['project']?.['project_id'])}.iam.gserviceaccount.com`;
    const analysis = analyzeRepository(editedOrganization(...edits));
    const { grants } = desiredAssets(
      compileWorkspaces(analysis.state).values(),
      exampleRenderConfig,
      [],
    );
    const callee = String(
      rendered.get('payments.production.shop')?.module['project']?.['project_id'],
    );
    expect(grants).toContain(
      `//run.googleapis.com/projects/${callee}/locations/europe-west1/services/shop roles/run.invoker serviceAccount:${email}`,
    );
  });

  it('refuses a call to an application that does not exist, where the call is written', () => {
    const issues = issuesOf(shopCalls('nothing'));
    expect(issues.map(({ rule, file, line, column }) => ({ rule, file, line, column }))).toEqual([
      { rule: 'ref/dangling', file: 'payments/storefront/shop.yaml', line: 31, column: 9 },
    ]);
    expect(issues[0]?.message).toContain(
      'expected an Application or ExternalApplication named "nothing"',
    );
  });

  it('refuses a call to an application of another unit, whose environments are not the same', () => {
    const manifest = (kind: string, name: string, parents: string, spec: string): Edit => ({
      file: `logistics/${name}.yaml`,
      content: `apiVersion: lowops.manifests.v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${parents}  organization: acme\nspec:\n${spec}`,
    });
    const unit = '  organizational-unit: logistics\n';
    const issues = issuesOf(
      manifest('OrganizationalUnit', 'logistics', '', '  displayName: Logistics\n'),
      manifest('ReleaseTrack', 'daily', unit, '  description: Nowhere yet\n'),
      manifest(
        'ApplicationSet',
        'fleet',
        `  release-track: daily\n${unit}`,
        '  description: Fleet\n',
      ),
      manifest(
        'Application',
        'courier',
        `  application-set: fleet\n  release-track: daily\n${unit}`,
        '  project: shop\n  buildDefinition: shop\n',
      ),
      shopCalls('courier'),
    );
    expect(issues.map(({ rule, file, line, column }) => ({ rule, file, line, column }))).toEqual([
      { rule: 'ref/cross-scope', file: 'payments/storefront/shop.yaml', line: 31, column: 9 },
    ]);
    expect(issues[0]?.message).toContain('references stay within their organizational unit');
  });

  it('refuses a call in an environment the callee is not deployed to, located at the call', () => {
    const issues = issuesOf(
      ...nightly,
      ...application('settle', 'shop', [], 'nightly'),
      shopCalls('settle'),
    );
    expect(
      issues.map(({ rule, file, line, column, pointer }) => ({
        rule,
        file,
        line,
        column,
        pointer,
      })),
    ).toEqual([
      {
        rule: 'ref/callee-not-deployed',
        file: 'payments/storefront/shop.yaml',
        line: 31,
        column: 9,
        pointer: '/spec/accessControl/calls/0',
      },
    ]);
    expect(issues[0]?.message).toBe(
      'expected Application "settle" to be deployed to environment "staging", where this application calls it, found it deployed to "production" (release track "main" deploys this application to environment "staging")',
    );
  });
});

describe('the example organization', () => {
  it('makes inventory-service, which calls it, the one invoker of gotenberg', () => {
    const analysis = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
    const models = compileWorkspaces(analysis.state);
    for (const environment of ['development', 'production']) {
      const id = `warehouse.${environment}.inventory`;
      const model = models.get(id);
      if (model === undefined) throw new Error(`no workspace ${id}`);
      const text = renderWorkspace(analysis.state, model, exampleRenderConfig, exampleRepository);
      const modules = (JSON.parse(text) as { module: ModuleCalls }).module;
      expect(Object.values(modules['service_gotenberg']?.['invoker_members'] ?? {})).toEqual([
        'serviceAccount:${module.identity_inventory_service.email}',
      ]);
    }
  });
});

describe('a call added by a change', () => {
  const teams: Edit[] = [
    group('production-team'),
    {
      file: 'payments/production/environment.yaml',
      append: '  permissions:\n    contributors:\n      groups:\n        - production-team\n',
    },
  ];
  const state = (...edits: Edit[]): DesiredState => {
    const analysis = analyzeRepository(editedOrganization(...teams, ...billing, ...edits));
    expect(analysis.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
    return analysis.state;
  };
  const base = state(...application('ledger', 'billing'));
  const head = state(...application('ledger', 'billing', ['shop']));

  it("plans the callee's workspaces, where the grant is", () => {
    expect([...affectedWorkspaces(base, head)].sort()).toEqual([
      'organization',
      'payments.production.billing',
      'payments.production.shop',
      'payments.staging.billing',
      'payments.staging.shop',
    ]);
  });

  it("asks the consent of the callee's owners", () => {
    const plan = buildPlan({ label: 'base', state: base }, { label: 'head', state: head });
    expect(plan.consent).toContainEqual({
      workspace: 'payments.production.shop',
      edge: 'serviceAccount:ledger@payments.production.billing → cloud_run_service.shop',
      requestedBy: 'payments/storefront/ledger.yaml',
      target: 'payments/production/shop/deployment-config.yaml',
      owners: ['@acme-corp/platform', '@acme-corp/production-team'],
      reason: 'sends traffic to cloud_run_service.shop, which its owners run',
    });
  });
});
