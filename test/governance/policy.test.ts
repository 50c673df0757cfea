import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import type { Issue } from '../../shared/core/issues/issue.ts';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { editedOrganization, type Edit } from '../support/base-organization.ts';
import { examplesDirectory } from '../support/corpus.ts';

const PRODUCTION = 'payments/production/shop';
const STAGING = 'payments/staging/shop';

function findings(...edits: Edit[]): string[] {
  return analyzeRepository(editedOrganization(...edits)).issues.map(
    (issue: Issue) => `${issue.severity} ${issue.rule} ${issue.file}:${issue.line}:${issue.column}`,
  );
}

const route = (rules: string) => `apiVersion: lowops.manifests.v1
kind: HttpRoute
metadata:
  name: web
  public-ingress: edge
  project: shop
  environment: production
  organizational-unit: payments
  organization: acme
spec:
  rules:
${rules}`;

const ingress = (iap: string) => `apiVersion: lowops.manifests.v1
kind: PublicIngress
metadata:
  name: edge
  project: shop
  environment: production
  organizational-unit: payments
  organization: acme
spec:
  domain:
    dns: GOOGLE_MANAGED
${iap}`;

describe('policy', () => {
  it('finds nothing in the base organization', () => {
    expect(findings()).toEqual([]);
  });

  it.each([
    ['*', 14],
    ['0.0.0.0/0', 14],
    ['::/0', 14],
  ])('refuses egress to everything: %s (policy/egress-everything)', (entry, line) => {
    const edit = {
      file: `${PRODUCTION}/project.yaml`,
      replace: '- 203.0.113.0/24',
      with: `- "${entry}"`,
    };
    expect(findings(edit)).toEqual([
      `error policy/egress-everything ${PRODUCTION}/project.yaml:${line}:7`,
    ]);
  });

  it('warns of egress ranges wider than /16 (policy/egress-broad-range)', () => {
    const edit = {
      file: `${PRODUCTION}/project.yaml`,
      replace: '203.0.113.0/24',
      with: '10.0.0.0/8',
    };
    expect(findings(edit)).toEqual([
      `warning policy/egress-broad-range ${PRODUCTION}/project.yaml:14:7`,
    ]);
  });

  it('refuses public buckets and registries (policy/public-bucket, policy/public-registry)', () => {
    const bucket = {
      file: `${PRODUCTION}/bucket.yaml`,
      content: `apiVersion: lowops.manifests.v1
kind: Bucket
metadata:
  name: assets
  project: shop
  environment: production
  organizational-unit: payments
  organization: acme
spec:
  public: true
`,
    };
    const registry = {
      file: 'registries/docker.yaml',
      replace: 'type: DOCKER',
      with: 'type: DOCKER\n  public: true',
    };
    expect(findings(bucket, registry)).toEqual([
      `error policy/public-bucket ${PRODUCTION}/bucket.yaml:10:11`,
      'error policy/public-registry registries/docker.yaml:8:11',
    ]);
  });

  it('refuses users directly on production, allows them on staging (policy/user-on-production)', () => {
    const user = (environment: string) => ({
      file: `payments/${environment}/shop/project.yaml`,
      replace: '      groups:\n        - platform',
      with: '      groups:\n        - platform\n      members:\n        - alice',
    });
    expect(findings(user('production'))).toEqual([
      `error policy/user-on-production ${PRODUCTION}/project.yaml:23:11`,
    ]);
    expect(findings(user('staging'))).toEqual([]);
  });

  it('shows public routes, and IAP rules nobody can pass (policy/public-route, policy/iap-without-access)', () => {
    const rules = `    - matches:
        - prefixMatch: /
      action:
        destinations:
          - deploymentConfig: shop
            port: 8080
    - matches:
        - prefixMatch: /admin/
      authentication:
        - type: INTERNAL
      action:
        destinations:
          - deploymentConfig: shop
            port: 8080
`;
    expect(
      findings(
        { file: `${PRODUCTION}/edge.yaml`, content: ingress('') },
        { file: `${PRODUCTION}/web.yaml`, content: route(rules) },
      ),
    ).toEqual([
      `warning policy/public-route ${PRODUCTION}/web.yaml:12:7`,
      `warning policy/iap-without-access ${PRODUCTION}/web.yaml:18:7`,
    ]);
  });

  it('refuses routes and notifications to a DeploymentConfig no application deploys (policy/unserved-destination)', () => {
    const orphan = {
      file: `${PRODUCTION}/orphan.yaml`,
      content: `apiVersion: lowops.manifests.v1
kind: DeploymentConfig
metadata:
  name: orphan
  project: shop
  environment: production
  organizational-unit: payments
  organization: acme
spec:
  version: "1"
`,
    };
    const notify = {
      file: `${PRODUCTION}/pubsub.yaml`,
      replace: 'deploymentConfig: shop',
      with: 'deploymentConfig: orphan',
    };
    expect(findings(orphan, notify)).toEqual([
      `error policy/unserved-destination ${PRODUCTION}/pubsub.yaml:14:25`,
    ]);
  });

  it('warns of literal values in secret-looking variables (policy/literal-secret)', () => {
    const edit = {
      file: `${STAGING}/deployment-config.yaml`,
      replace: '      - name: LOG_LEVEL',
      with: '      - name: STRIPE_API_KEY\n        value: sk_live_123\n      - name: LOG_LEVEL',
    };
    expect(findings(edit)).toEqual([
      `warning policy/literal-secret ${STAGING}/deployment-config.yaml:14:16`,
    ]);
  });

  it('needs an identity source for groups (policy/no-identity-source)', () => {
    const edit = {
      file: 'organization.yaml',
      replace: '  domain:\n    external: acme.example.com\n',
      with: '',
    };
    expect(findings(edit)).toEqual(['error policy/no-identity-source organization.yaml:5:1']);
  });

  it('refuses an external image pinned by tag only (policy/unpinned-image)', () => {
    const gotenberg = 'shared-services/pdf-rendering/gotenberg.yaml';
    const files = readRepositoryFiles(examplesDirectory, 10_000).map((file) =>
      file.path === gotenberg
        ? {
            path: file.path,
            bytes: new TextEncoder().encode(
              new TextDecoder().decode(file.bytes).replace(/@sha256:[0-9a-f]{64}/, ''),
            ),
          }
        : file,
    );
    const errors = analyzeRepository(files).issues.filter((issue) => issue.severity === 'error');
    expect(
      errors.map((issue) => `${issue.rule} ${issue.file}:${issue.line}:${issue.column}`),
    ).toEqual([`policy/unpinned-image ${gotenberg}:16:10`]);
  });
});
