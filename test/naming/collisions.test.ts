import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { identifier } from '../../shared/core/render/terraform-json.ts';
import { editedOrganization, type Edit } from '../support/base-organization.ts';

/**
 * Declarations that once shared a generated identifier, each rendered as the renderer
 * writes it: every one of them must keep a name of its own.
 */
interface Rendered {
  readonly module: Record<string, Record<string, unknown>>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: { folders?: { value: Record<string, string> } };
}

function render(...edits: Edit[]): {
  errors: string[];
  workspaces: Map<string, Rendered>;
} {
  const analysis = analyzeRepository(editedOrganization(...edits));
  const errors = analysis.issues
    .filter((issue) => issue.severity === 'error')
    .map((issue) => `${issue.rule} ${issue.file}:${issue.line}:${issue.column}`);
  const workspaces = new Map<string, Rendered>();
  for (const [id, workspace] of compileWorkspaces(analysis.state)) {
    const text = renderWorkspace(analysis.state, workspace, exampleRenderConfig, exampleRepository);
    workspaces.set(id, JSON.parse(text) as Rendered);
  }
  return { errors, workspaces };
}

const manifest = (kind: string, metadata: Record<string, string>, spec: string) =>
  [
    'apiVersion: lowops.manifests.v1',
    `kind: ${kind}`,
    'metadata:',
    ...Object.entries(metadata).map(([key, value]) => `  ${key}: ${value}`),
    'spec:',
    spec,
    '',
  ].join('\n');

const inShop = (environment: string) => ({
  project: 'shop',
  environment,
  'organizational-unit': 'payments',
  organization: 'acme',
});

/** A DeploymentConfig of this name in both environments of the shop project. */
const deploymentConfigs = (name: string): Edit[] =>
  ['production', 'staging'].map((environment) => ({
    file: `payments/${environment}/shop/${name}-config.yaml`,
    content: manifest(
      'DeploymentConfig',
      { name, ...inShop(environment) },
      '  ports:\n    8080: http\n  version: "1.0.0"',
    ),
  }));

const modulesOf = (rendered: Rendered | undefined, source: string) =>
  Object.entries(rendered?.module ?? {}).filter(([, call]) =>
    String(call['source']).endsWith(`/${source}`),
  );

describe('generated identifiers of distinct declarations', () => {
  it('give the unit warehouse-development and the environment development of warehouse a folder each', () => {
    const { errors, workspaces } = render({
      file: 'payments-production/unit.yaml',
      content: manifest(
        'OrganizationalUnit',
        { name: 'payments-production', organization: 'acme' },
        '  displayName: Payments Production\n  permissions:\n    viewers:\n      groups:\n        - platform',
      ),
    });
    expect(errors).toEqual([]);
    const organization = workspaces.get('organization');
    const folders = modulesOf(organization, 'folder');
    expect(folders.map(([, call]) => call['display_name']).sort()).toEqual([
      'Payments',
      'Payments Production',
      'Production',
      'Staging',
    ]);
    // The project of payments/production lands in the environment's folder, not the unit's.
    const outputs = organization?.output?.folders?.value ?? {};
    const environmentFolder = /module\.([^.]+)\./.exec(outputs['payments.production'] ?? '')?.[1];
    expect(organization?.module[environmentFolder ?? '']?.['display_name']).toBe('Production');
    // The unit keeps its own IAM.
    const unitFolder = /module\.([^.]+)\./.exec(outputs['payments-production'] ?? '')?.[1];
    expect(
      Object.keys(organization?.module[unitFolder ?? '']?.['iam'] as object).length,
    ).toBeGreaterThan(0);
  });

  it('give an application named like a push identity an identity of its own', () => {
    // order-events notifies shop: its push identity was account push-order-events-shop.
    const { errors, workspaces } = render(...deploymentConfigs('push-order-events-shop'), {
      file: 'payments/storefront/push-order-events-shop.yaml',
      content: manifest(
        'ExternalApplication',
        {
          name: 'push-order-events-shop',
          'application-set': 'storefront',
          'release-track': 'main',
          'organizational-unit': 'payments',
          organization: 'acme',
        },
        `  project: shop\n  image: europe-docker.pkg.dev/acme/docker/app@sha256:${'0'.repeat(64)}`,
      ),
    });
    expect(errors).toEqual([]);
    const identities = modulesOf(workspaces.get('payments.production.shop'), 'app-identity');
    expect(identities).toHaveLength(3);
    expect(new Set(identities.map(([, call]) => call['account_id'])).size).toBe(3);
  });

  it('keep a user Secret named like a generated connection secret apart from it', () => {
    // shop reads database main: its connection secret is shop.main.connection.
    const { errors, workspaces } = render({
      file: 'payments/production/shop/connection-secret.yaml',
      content: manifest(
        'Secret',
        { name: 'shop-main-connection', ...inShop('production') },
        '  permissions:\n    administrators:\n      groups:\n        - platform',
      ),
    });
    expect(errors).toEqual([]);
    const rendered = workspaces.get('payments.production.shop');
    const secrets = modulesOf(rendered, 'secret').map(([, call]) => call['secret_id']);
    expect(secrets.sort()).toEqual(['api-key', 'shop-main-connection', 'shop_main_connection']);
    // The user Secret's writer role is granted on the user Secret.
    const grants = Object.values(
      rendered?.resource?.['google_secret_manager_secret_iam_member'] ?? {},
    );
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) {
      const label = /module\.([^.]+)\./.exec(String(grant['secret_id']))?.[1] ?? '';
      expect(rendered?.module[label]?.['secret_id']).toBe('shop-main-connection');
    }
  });

  it('refuse two applications of one name deploying into one project and environment', () => {
    const analysis = analyzeRepository(
      editedOrganization(
        {
          file: 'payments/backoffice/application-set.yaml',
          content: manifest(
            'ApplicationSet',
            {
              name: 'backoffice',
              'release-track': 'main',
              'organizational-unit': 'payments',
              organization: 'acme',
            },
            '  description: Internal services',
          ),
        },
        {
          file: 'payments/backoffice/shop.yaml',
          content: manifest(
            'ExternalApplication',
            {
              name: 'shop',
              'application-set': 'backoffice',
              'release-track': 'main',
              'organizational-unit': 'payments',
              organization: 'acme',
            },
            `  project: shop\n  image: europe-docker.pkg.dev/acme/docker/app@sha256:${'0'.repeat(64)}`,
          ),
        },
      ),
    );
    const collisions = analysis.issues.filter((issue) => issue.rule === 'naming/collision');
    expect(
      collisions.map((issue) => [
        `${issue.severity} ${issue.file}:${issue.line}:${issue.column}`,
        issue.related?.map((related) => `${related.file}:${related.line}:${related.column}`),
      ]),
    ).toEqual([
      ['error payments/backoffice/shop.yaml:4:9', ['payments/storefront/shop.yaml:4:9']],
      ['error payments/storefront/shop.yaml:4:9', ['payments/backoffice/shop.yaml:4:9']],
    ]);
  });

  it('give projects of one name in one environment of two units two project ids', () => {
    const { errors, workspaces } = render(
      {
        file: 'billing/unit.yaml',
        content: manifest(
          'OrganizationalUnit',
          { name: 'billing', organization: 'acme' },
          '  displayName: Billing',
        ),
      },
      {
        file: 'billing/production/environment.yaml',
        content: manifest(
          'Environment',
          { name: 'production', 'organizational-unit': 'billing', organization: 'acme' },
          '  displayName: Production',
        ),
      },
      {
        file: 'billing/production/shop/project.yaml',
        content: manifest(
          'Project',
          {
            name: 'shop',
            environment: 'production',
            'organizational-unit': 'billing',
            organization: 'acme',
          },
          '  displayName: Billing Shop',
        ),
      },
    );
    expect(errors).toEqual([]);
    const projectId = (id: string) => workspaces.get(id)?.module['project']?.['project_id'];
    expect(projectId('billing.production.shop')).not.toBe(projectId('payments.production.shop'));
  });

  it('render names at the length limit without throwing', () => {
    const long = `a${'b'.repeat(61)}c`;
    const { errors, workspaces } = render(...deploymentConfigs(long), {
      file: `payments/storefront/${long}.yaml`,
      content: manifest(
        'ExternalApplication',
        {
          name: long,
          'application-set': 'storefront',
          'release-track': 'main',
          'organizational-unit': 'payments',
          organization: 'acme',
        },
        `  project: shop\n  image: europe-docker.pkg.dev/acme/docker/app@sha256:${'0'.repeat(64)}\n  accessControl:\n    pubsub:\n      subscribeTo:\n        - order-events`,
      ),
    });
    expect(errors).toEqual([]);
    const services = modulesOf(workspaces.get('payments.production.shop'), 'cloud-run-service');
    // Cloud Run service names are at most 49 characters.
    expect(services.map(([, call]) => String(call['name']).length <= 49)).toEqual([true, true]);
  });

  it('give IPv6 egress ranges that differ only in where "::" stands firewall rules of their own', () => {
    const { errors, workspaces } = render({
      file: 'payments/production/shop/project.yaml',
      replace: '    - 203.0.113.0/24',
      with: '    - 203.0.113.0/24\n    - "2001:db8::/128"\n    - "2001::db8/128"',
    });
    expect(errors).toEqual([]);
    const firewall = workspaces.get('payments.production.shop')?.module['firewall'];
    const rules = (firewall?.['allow_rules'] ?? []) as { name: string; ranges: string[] }[];
    const ipv6 = rules.filter((rule) => rule.name.startsWith('allow-egress-ipv6'));
    expect(ipv6.flatMap((rule) => rule.ranges).sort()).toEqual(['2001::db8/128', '2001:db8::/128']);
    expect(new Set(ipv6.map((rule) => rule.name)).size).toBe(2);
  });
});

describe('Terraform labels', () => {
  it('tell a hyphen in a name from the separator between names', () => {
    expect(identifier('folder', 'warehouse-development')).not.toBe(
      identifier('folder', 'warehouse.development'),
    );
    expect(identifier('identity', 'push.a-b.c')).not.toBe(identifier('identity', 'push.a.b-c'));
  });

  it('are made for names of any length', () => {
    const long = 'a'.repeat(63);
    expect(() => identifier('identity', `push.${long}.${long}`)).not.toThrow();
  });
});
