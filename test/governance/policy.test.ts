import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import type { Issue } from '../../shared/core/issues/issue.ts';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { editedOrganization, type Edit } from '../support/base-organization.ts';
import { examplesDirectory } from '../support/corpus.ts';

const PRODUCTION = 'payments/production/shop';
const STAGING = 'payments/staging/shop';

/** What policy finds; fields not rendered yet are the subject of the render tests. */
function findings(...edits: Edit[]): string[] {
  return analyzeRepository(editedOrganization(...edits))
    .issues.filter((issue) => !issue.rule.startsWith('render/'))
    .map(
      (issue: Issue) =>
        `${issue.severity} ${issue.rule} ${issue.file}:${issue.line}:${issue.column}`,
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

  /** The production project's allowedEgress with these ranges in place of its partner range. */
  const egress = (...ranges: string[]): Edit => ({
    file: `${PRODUCTION}/project.yaml`,
    replace: '- 203.0.113.0/24',
    with: ranges.map((range) => `- "${range}"`).join('\n    '),
  });
  const union = `error policy/egress-union ${PRODUCTION}/project.yaml:11:3`;

  it.each([
    ['two halves of IPv4', ['0.0.0.0/1', '128.0.0.0/1']],
    ['two halves of IPv6', ['::/1', '8000::/1']],
    ['IPv4-mapped IPv6', ['::ffff:0:0/96']],
    ['IPv4-compatible IPv6', ['::/96']],
    ['IPv4-translated IPv6', ['::ffff:0:0:0/96']],
    ['NAT64', ['64:ff9b::/96']],
    ['local-use NAT64', ['64:ff9b:1::/48']],
    ['6to4', ['2002::/16']],
    ['Teredo', ['2001::/32']],
    ['one public /8', ['8.0.0.0/8']],
    ['two public /9s', ['8.0.0.0/9', '8.128.0.0/9']],
    ['a /9 directly and a /9 through 6to4', ['8.0.0.0/9', '2002:880::/25']],
    ['two IPv6 /25s', ['2600::/25', '2600:80::/25']],
  ])(
    'refuses egress whose ranges together reach too much of the internet: %s (policy/egress-union)',
    (_name, ranges) => {
      expect(findings(egress(...ranges))).toEqual([union]);
    },
  );

  it.each([
    ['a public /9', ['8.0.0.0/9'], [14]],
    ['private ranges', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], [14, 15]],
    ['a /16 through IPv4-mapped IPv6', ['::ffff:808:0/112'], []],
    ['a /16 through 6to4', ['2002:808::/32'], []],
    ['a /16 through Teredo clients', ['2001:0:0:0:0:0:f7f7:0/112'], []],
    ['an IPv6 /25', ['2600::/25'], [14]],
  ])(
    'accepts egress below one /8 of public IPv4 and one /24 of IPv6, warning of broad ranges: %s',
    (_name, ranges, warned) => {
      expect(findings(egress(...ranges))).toEqual(
        warned.map(
          (line) => `warning policy/egress-broad-range ${PRODUCTION}/project.yaml:${line}:7`,
        ),
      );
    },
  );

  it('lists the ranges that make up a refused union, each with its location', () => {
    const issue = analyzeRepository(
      editedOrganization(egress('0.0.0.0/1', '10.0.0.0/8', '::ffff:8000:0/97')),
    ).issues.find((found) => found.rule.startsWith('policy/'));
    expect(issue?.rule).toBe('policy/egress-union');
    expect(issue?.message).toContain('"0.0.0.0/1", "::ffff:8000:0/97" (IPv4-mapped)');
    expect(issue?.message).toContain('100% of the public IPv4 internet');
    expect(issue?.related?.map((related) => `${related.line}:${related.column}`)).toEqual([
      '14:7',
      '16:7',
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
