import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import type { Issue } from '../../shared/core/issues/issue.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { editedOrganization, type Edit } from './base-organization.ts';

export { group } from './base-organization.ts';

/**
 * Routes on the base organization: the `shop` project of unit `payments`, in production
 * and staging, where application `shop` runs; more applications, ingresses and routes are
 * added as edits.
 */

/** The folder of the production `shop` project. */
export const PRODUCTION = 'payments/production/shop';

/** The metadata lines that place a manifest in the `shop` project of an environment. */
export const scope = (environment: string) => `  project: shop
  environment: ${environment}
  organizational-unit: payments
  organization: acme`;

/** One more application of set `storefront`, with its DeploymentConfig in both environments. */
export function application(name: string): Edit[] {
  return [
    {
      file: `payments/storefront/${name}.yaml`,
      content: `apiVersion: lowops.manifests.v1
kind: Application
metadata:
  name: ${name}
  application-set: storefront
  release-track: main
  organizational-unit: payments
  organization: acme
spec:
  description: Application ${name}
  project: shop
  buildDefinition: shop
  target: CLOUD_RUN
  meshStrategy: SIDECAR
`,
    },
    ...['production', 'staging'].map((environment) => ({
      file: `payments/${environment}/shop/${name}-config.yaml`,
      content: `apiVersion: lowops.manifests.v1
kind: DeploymentConfig
metadata:
  name: ${name}
${scope(environment)}
spec:
  description: ${name} in ${environment}
  ports:
    8080: http
  scaling:
    min: 0
    max: 2
  version: "1.0.0"
`,
    })),
  ];
}

/** A PublicIngress of the production project; `domain` is its spec.domain, indented. */
export function ingress(
  name: string,
  domain = '    dns: GOOGLE_MANAGED\n',
  iapGroups: readonly string[] = ['platform'],
): Edit {
  const iap =
    iapGroups.length === 0
      ? ''
      : `  iapPermissions:\n    groups:\n${iapGroups.map((group) => `      - ${group}\n`).join('')}`;
  return {
    file: `${PRODUCTION}/${name}.yaml`,
    content: `apiVersion: lowops.manifests.v1
kind: PublicIngress
metadata:
  name: ${name}
${scope('production')}
spec:
  domain:
${domain}${iap}`,
  };
}

/** One rule: its matches (YAML list items), then authentication and more, as written. */
export const rule = (
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

export const INTERNAL = '      authentication:\n        - type: INTERNAL\n';

/** An HttpRoute or GrpcRoute of an ingress of the production project. */
export const route = (
  kind: 'HttpRoute' | 'GrpcRoute',
  rules: string,
  name = kind === 'HttpRoute' ? 'web' : 'rpc',
  ingressName = 'edge',
): Edit => ({
  file: `${PRODUCTION}/${ingressName}-${name}.yaml`,
  content: `apiVersion: lowops.manifests.v1
kind: ${kind}
metadata:
  name: ${name}
  public-ingress: ${ingressName}
${scope('production')}
spec:
  rules:
${rules}`,
});

/** The issues of the base organization with these edits. */
export function issuesOf(...edits: Edit[]): readonly Issue[] {
  return analyzeRepository(editedOrganization(...edits)).issues;
}

/** The module calls of one rendered workspace. */
export type ModuleCalls = Record<string, Record<string, unknown>>;

/** Every workspace rendered, as text and as its module calls; the edits must validate. */
export function renderEdited(...edits: Edit[]): Map<string, { text: string; module: ModuleCalls }> {
  const analysis = analyzeRepository(editedOrganization(...edits));
  const errors = analysis.issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0)
    throw new Error(`the edited organization has errors: ${JSON.stringify(errors)}`);
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
