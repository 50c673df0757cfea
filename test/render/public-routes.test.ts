import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { editedOrganization, type Edit } from '../support/base-organization.ts';

const PRODUCTION = 'payments/production/shop';

const scope = (environment: string) => `  project: shop
  environment: ${environment}
  organizational-unit: payments
  organization: acme`;

/** A second application, `admin`, deployed next to `shop` in both environments. */
const adminApplication: Edit[] = [
  {
    file: 'payments/storefront/admin.yaml',
    content: `apiVersion: lowops.manifests.v1
kind: Application
metadata:
  name: admin
  application-set: storefront
  release-track: main
  organizational-unit: payments
  organization: acme
spec:
  description: The back office
  project: shop
  buildDefinition: shop
  target: CLOUD_RUN
  meshStrategy: SIDECAR
`,
  },
  ...['production', 'staging'].map((environment) => ({
    file: `payments/${environment}/shop/admin-config.yaml`,
    content: `apiVersion: lowops.manifests.v1
kind: DeploymentConfig
metadata:
  name: admin
${scope(environment)}
spec:
  description: The back office in ${environment}
  ports:
    8080: http
  scaling:
    min: 0
    max: 2
  version: "1.0.0"
`,
  })),
  {
    file: `${PRODUCTION}/edge.yaml`,
    content: `apiVersion: lowops.manifests.v1
kind: PublicIngress
metadata:
  name: edge
${scope('production')}
spec:
  domain:
    dns: GOOGLE_MANAGED
  iapPermissions:
    groups:
      - platform
`,
  },
];

const rule = (
  destination: string,
  authentication: string,
  match = '- prefixMatch: /',
) => `    - matches:
        ${match}
${authentication}      action:
        destinations:
          - deploymentConfig: ${destination}
            port: 8080
`;
const INTERNAL = '      authentication:\n        - type: INTERNAL\n';
const EXTERNAL =
  '      authentication:\n        - type: EXTERNAL\n          tenants: [customers]\n';

const route = (kind: 'HttpRoute' | 'GrpcRoute', rules: string): Edit => ({
  file: `${PRODUCTION}/${kind === 'HttpRoute' ? 'web' : 'rpc'}.yaml`,
  content: `apiVersion: lowops.manifests.v1
kind: ${kind}
metadata:
  name: ${kind === 'HttpRoute' ? 'web' : 'rpc'}
  public-ingress: edge
${scope('production')}
spec:
  rules:
${rules}`,
});

type ModuleCalls = Record<string, Record<string, unknown>>;

/** Every workspace rendered, as text and as its module calls. */
function render(...edits: Edit[]): Map<string, { text: string; module: ModuleCalls }> {
  const analysis = analyzeRepository(editedOrganization(...edits));
  expect(analysis.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
  return new Map(
    [...compileWorkspaces(analysis.state)].map(([id, workspace]) => {
      const text = renderWorkspace(
        analysis.state,
        workspace,
        exampleRenderConfig,
        exampleRepository,
      );
      return [id, { text, module: (JSON.parse(text) as { module: ModuleCalls }).module }];
    }),
  );
}

/** `public_through_load_balancer` of each service module of a workspace. */
function publicFlags(rendered: ReturnType<typeof render>, workspace: string) {
  const calls = rendered.get(workspace)?.module ?? {};
  return Object.fromEntries(
    Object.entries(calls)
      .filter(([label]) => label.startsWith('service_'))
      .map(([label, call]) => [label, call['public_through_load_balancer'] ?? 'omitted']),
  );
}

describe('rendering public routes', () => {
  it('opens only the destinations of unauthenticated rules, in the environment of the route', () => {
    const rendered = render(
      ...adminApplication,
      route(
        'HttpRoute',
        rule('shop', '') +
          rule('admin', INTERNAL, '- prefixMatch: /admin/') +
          rule('admin', EXTERNAL, '- prefixMatch: /partners/') +
          rule('shop', INTERNAL, '- prefixMatch: /support/'),
      ),
    );
    expect(publicFlags(rendered, 'payments.production.shop')).toEqual({
      service_admin: 'omitted',
      service_shop: true,
    });
    // The same application in staging has no route: its invoker check stays on.
    expect(publicFlags(rendered, 'payments.staging.shop')).toEqual({
      service_admin: 'omitted',
      service_shop: 'omitted',
    });
    // IAP still reaches the services its rules name as an invoker; nothing else changes.
    const admin = rendered.get('payments.production.shop')?.module['service_admin'];
    expect(Object.keys(admin?.['invoker_members'] ?? {})).toEqual([expect.stringMatching(/^iap~/)]);
  });

  it('treats an unauthenticated rule of a GrpcRoute on the same load balancer alike', () => {
    const rendered = render(
      ...adminApplication,
      route('HttpRoute', rule('shop', INTERNAL)),
      route(
        'GrpcRoute',
        rule('admin', '', '- service: acme.tracking.v1.Tracking') +
          rule('shop', INTERNAL, '- service: acme.support.v1.Support'),
      ),
    );
    expect(publicFlags(rendered, 'payments.production.shop')).toEqual({
      service_admin: true,
      service_shop: 'omitted',
    });
  });

  it('keeps every service closed when no route is open', () => {
    const rendered = render(...adminApplication, route('HttpRoute', rule('shop', INTERNAL)));
    for (const workspace of ['payments.production.shop', 'payments.staging.shop']) {
      expect(publicFlags(rendered, workspace)).toEqual({
        service_admin: 'omitted',
        service_shop: 'omitted',
      });
    }
  });

  it('never grants anything to allUsers or allAuthenticatedUsers, in any rendered workspace', () => {
    const rendered = render(
      ...adminApplication,
      route('HttpRoute', rule('shop', '') + rule('admin', '', '- prefixMatch: /admin/')),
    );
    expect(publicFlags(rendered, 'payments.production.shop')).toEqual({
      service_admin: true,
      service_shop: true,
    });
    for (const [workspace, { text }] of rendered) {
      expect([workspace, text.match(/allUsers|allAuthenticatedUsers/g)]).toEqual([workspace, null]);
    }
  });
});
