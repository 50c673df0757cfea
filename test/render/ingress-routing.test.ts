import { describe, expect, it } from 'vitest';
import type { Issue } from '../../shared/core/issues/issue.ts';
import {
  application,
  group,
  ingress,
  INTERNAL,
  issuesOf,
  PRODUCTION,
  renderEdited,
  route,
  rule,
} from '../support/route-fixtures.ts';
import { hostsOf, reach } from '../support/url-map.ts';

const WORKSPACE = 'payments.production.shop';
const PLATFORM = 'group:platform@acme.example.com';
const SRE = 'group:sre@acme.example.com';
const service = (name: string) => `\${module.service_${name.replaceAll('-', '_')}.name}`;

/** The rendered ingress `edge` of the production project. */
function edge(...edits: Parameters<typeof renderEdited>) {
  const call = renderEdited(...edits).get(WORKSPACE)?.module['ingress_edge'];
  expect(call).toBeDefined();
  return call;
}

const where = (issues: readonly Issue[], rule: string) =>
  issues
    .filter((issue) => issue.rule === rule)
    .map((issue) => `${issue.file}:${issue.line}:${issue.column} ${issue.pointer}`);

describe('rendering an ingress rule by rule', () => {
  it('sends each rule to its own backend, with exactly its IAP members, and nothing else anywhere', () => {
    const call = edge(
      ...application('admin'),
      group('sre'),
      ingress('edge', '    dns: CLOUD_DNS\n    name: shop.acme.example\n', ['platform', 'sre']),
      route(
        'HttpRoute',
        rule('shop', '', '- prefixMatch: /') +
          rule('admin', INTERNAL, '- prefixMatch: /admin/') +
          rule(
            'admin',
            `${INTERNAL}      authorization:\n        - groups:\n            - sre\n`,
            '- prefixMatch: /admin/replay/',
          ) +
          rule('shop', INTERNAL, '- regexMatch: "/orders/[0-9]+/refund"') +
          rule('admin', '', '- fullPathMatch: /files/*'),
      ),
    );
    const host = 'shop.acme.example';
    expect(hostsOf(call)).toEqual([host]);
    const at = (path: string, on = host) => reach(call, on, path);

    // Each manifest rule: the backend reached and who may pass.
    expect(at('/')).toMatchObject({ service: service('shop'), audience: 'PUBLIC', iapMembers: [] });
    expect(at('/admin/users')).toMatchObject({
      service: service('admin'),
      audience: 'INTERNAL',
      iapMembers: [PLATFORM, SRE],
    });
    expect(at('/admin/replay/42')).toMatchObject({
      service: service('admin'),
      audience: 'INTERNAL',
      iapMembers: [SRE],
    });
    // A regex rule is matched as a regex, behind IAP, never the catch-all public rule.
    expect(at('/orders/17/refund')).toMatchObject({
      service: service('shop'),
      audience: 'INTERNAL',
      iapMembers: [PLATFORM, SRE],
    });
    // A "*" in a full path is a character, not a wildcard.
    expect(at('/files/*')).toMatchObject({ service: service('admin'), audience: 'PUBLIC' });
    expect(at('/files/secret.txt')).toMatchObject({ service: service('shop'), audience: 'PUBLIC' });

    // The two admin backends are distinct, and so are their keys.
    const admin = at('/admin/users');
    const replay = at('/admin/replay/42');
    expect(
      admin !== 'unmatched' && replay !== 'unmatched' && admin.backend !== replay.backend,
    ).toBe(true);
    // An unknown host reaches nothing.
    expect(at('/', 'other.acme.example')).toBe('unmatched');
  });

  it('answers 404 for a path no rule matches, even when every declared rule is public', () => {
    const call = edge(
      ingress('edge'),
      route('HttpRoute', rule('shop', '', '- prefixMatch: /api/')),
    );
    const [host = ''] = hostsOf(call);
    expect(host).toBe('web-edge.endpoints.example-shop-productio-0zbof41.cloud.goog');
    expect(reach(call, host, '/api/x')).toMatchObject({ audience: 'PUBLIC' });
    expect(reach(call, host, '/')).toBe('unmatched');
    expect(reach(call, host, '/apix')).toBe('unmatched');
  });

  it('never lets the last or a public rule serve what a protected rule declares', () => {
    // Two route files share one host; the public catch-all sorts first by name.
    const call = edge(
      ...application('admin'),
      ingress('edge', '    dns: CLOUD_DNS\n    name: shop.acme.example\n'),
      route('HttpRoute', rule('shop', '', '- prefixMatch: /'), 'aaa-public'),
      route(
        'HttpRoute',
        rule('admin', INTERNAL, '- prefixMatch: /admin/') +
          rule('admin', INTERNAL, '- regexMatch: "/reports/.*"') +
          rule('shop', '', '- regexMatch: "/admin/.*\\\\.png"'),
        'zzz-staff',
      ),
    );
    const at = (path: string) => reach(call, 'shop.acme.example', path);
    expect(at('/admin/')).toMatchObject({ audience: 'INTERNAL', iapMembers: [PLATFORM] });
    // A public regex never takes what a protected prefix covers.
    expect(at('/admin/logo.png')).toMatchObject({ audience: 'INTERNAL' });
    // A protected regex wins over a public prefix that also matches.
    expect(at('/reports/2026')).toMatchObject({ audience: 'INTERNAL' });
    expect(at('/shop')).toMatchObject({ audience: 'PUBLIC', service: service('shop') });
  });

  it('gives backends of names that only differ past any width keys of their own', () => {
    // `storefront-console` behind IAP once rendered as `storefront-console-i`, the key of
    // the public `storefront-console-i`: an IAP rule was served by the public backend.
    const call = edge(
      ...application('storefront-console'),
      ...application('storefront-console-i'),
      ingress('edge'),
      route(
        'HttpRoute',
        rule('storefront-console', INTERNAL, '- prefixMatch: /console/') +
          rule('storefront-console-i', '', '- prefixMatch: /'),
      ),
    );
    const [host = ''] = hostsOf(call);
    const internal = reach(call, host, '/console/');
    const open = reach(call, host, '/');
    expect(internal).toMatchObject({
      service: service('storefront-console'),
      audience: 'INTERNAL',
      iapMembers: [PLATFORM],
    });
    expect(open).toMatchObject({ service: service('storefront-console-i'), audience: 'PUBLIC' });
    const keys = Object.keys((call as { backends: object }).backends);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatch(/^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$/);
  });

  it('matches a gRPC method exactly, and a whole service only when the rule names no method', () => {
    const call = edge(
      ...application('admin'),
      ingress('edge'),
      route(
        'GrpcRoute',
        rule('shop', '', '- service: acme.tracking.v1.Tracking\n          method: GetStatus') +
          rule('admin', INTERNAL, '- service: acme.support.v1.Support'),
      ),
    );
    const [host = ''] = hostsOf(call);
    expect(reach(call, host, '/acme.tracking.v1.Tracking/GetStatus')).toMatchObject({
      audience: 'PUBLIC',
    });
    expect(reach(call, host, '/acme.tracking.v1.Tracking/DeleteAll')).toBe('unmatched');
    expect(reach(call, host, '/acme.support.v1.Support/Reroute')).toMatchObject({
      audience: 'INTERNAL',
      service: service('admin'),
    });
  });

  it('splits a rule between weighted destinations', () => {
    const call = edge(
      ...application('admin'),
      ingress('edge'),
      route(
        'HttpRoute',
        `    - matches:
        - prefixMatch: /
      action:
        destinations:
          - deploymentConfig: shop
            port: 8080
            weight: 90
          - deploymentConfig: admin
            port: 8080
            weight: 10
`,
      ),
    );
    const [host] = (call as { hosts: { rules: { destinations: { weight: number }[] }[] }[] }).hosts;
    expect(host?.rules[0]?.destinations.map((destination) => destination.weight)).toEqual([90, 10]);
  });

  it('renders no load balancer for an ingress without routes, and says so where it is declared', () => {
    const edits = [ingress('edge')];
    expect(renderEdited(...edits).get(WORKSPACE)?.module['ingress_edge']).toBeUndefined();
    expect(where(issuesOf(...edits), 'route/ingress-without-routes')).toEqual([
      `${PRODUCTION}/edge.yaml:4:9 /metadata/name`,
    ]);
  });
});

describe('refusing routes the load balancer cannot honour as written', () => {
  it('refuses EXTERNAL (Identity Platform) authentication where it is written', () => {
    const issues = issuesOf(
      ingress('edge'),
      route(
        'HttpRoute',
        rule(
          'shop',
          '      authentication:\n        - type: EXTERNAL\n          tenants: [customers]\n',
        ),
      ),
    );
    expect(where(issues, 'route/external-authentication')).toEqual([
      `${PRODUCTION}/edge-web.yaml:15:17 /spec/rules/0/authentication/0/type`,
    ]);
  });

  it('refuses two rules for one host and path, in each file', () => {
    const domain = '    dns: CLOUD_DNS\n    name: shop.acme.example\n';
    const issues = issuesOf(
      ingress('edge', domain),
      route('HttpRoute', rule('shop', '', '- prefixMatch: /api/'), 'one'),
      route('HttpRoute', rule('shop', INTERNAL, '- prefixMatch: /api/'), 'two'),
    );
    expect(where(issues, 'route/duplicate-match')).toEqual([
      `${PRODUCTION}/edge-one.yaml:13:11 /spec/rules/0/matches/0`,
      `${PRODUCTION}/edge-two.yaml:13:11 /spec/rules/0/matches/0`,
    ]);
    const [first] = issues.filter((issue) => issue.rule === 'route/duplicate-match');
    expect(first?.related?.map((related) => related.file)).toEqual([`${PRODUCTION}/edge-two.yaml`]);
  });

  it('refuses the same path twice in one route, and the same custom host on two ingresses', () => {
    const domain = '    dns: CLOUD_DNS\n    name: shop.acme.example\n';
    const issues = issuesOf(
      ingress('edge', domain),
      ingress('other', domain),
      route(
        'HttpRoute',
        rule('shop', '', '- fullPathMatch: /a') + rule('shop', INTERNAL, '- fullPathMatch: /a'),
      ),
      route('HttpRoute', rule('shop', ''), 'web', 'other'),
    );
    expect(where(issues, 'route/duplicate-match')).toEqual([
      `${PRODUCTION}/edge-web.yaml:13:11 /spec/rules/0/matches/0`,
      `${PRODUCTION}/edge-web.yaml:19:11 /spec/rules/1/matches/0`,
    ]);
    expect(where(issues, 'route/duplicate-host')).toEqual([
      `${PRODUCTION}/edge.yaml:12:11 /spec/domain/name`,
      `${PRODUCTION}/other.yaml:12:11 /spec/domain/name`,
    ]);
  });

  it('refuses authorization without authentication, and authorization beyond iapPermissions', () => {
    const issues = issuesOf(
      group('sre'),
      ingress('edge'),
      route(
        'HttpRoute',
        rule('shop', '      authorization:\n        - groups: [platform]\n', '- prefixMatch: /a/') +
          rule(
            'shop',
            `${INTERNAL}      authorization:\n        - groups: [sre]\n`,
            '- prefixMatch: /b/',
          ),
      ),
    );
    expect(where(issues, 'route/authorization-without-authentication')).toEqual([
      `${PRODUCTION}/edge-web.yaml:15:9 /spec/rules/0/authorization`,
    ]);
    expect(where(issues, 'route/authorization-outside-iap')).toEqual([
      `${PRODUCTION}/edge-web.yaml:25:20 /spec/rules/1/authorization/0/groups/0`,
    ]);
  });

  it('refuses regular expressions RE2 cannot read, overlong paths and odd weights', () => {
    const issues = issuesOf(
      ingress('edge'),
      route(
        'HttpRoute',
        rule('shop', '', '- regexMatch: "/(?!admin).*"') +
          rule('shop', '', '- regexMatch: "/(a)\\\\1"') +
          rule('shop', '', `- prefixMatch: /${'x'.repeat(1024)}`) +
          `    - matches:
        - prefixMatch: /w/
      action:
        destinations:
          - deploymentConfig: shop
            port: 8080
            weight: 1.5
          - deploymentConfig: shop
            port: 8081
`,
      ),
    );
    expect(
      issues
        .filter((issue) => issue.rule.startsWith('route/'))
        .map((issue) => [issue.rule, issue.pointer]),
    ).toEqual([
      ['route/unsupported-match', '/spec/rules/0/matches/0/regexMatch'],
      ['route/unsupported-match', '/spec/rules/1/matches/0/regexMatch'],
      ['route/unsupported-match', '/spec/rules/2/matches/0/prefixMatch'],
      ['route/weight', '/spec/rules/3/action/destinations/0/weight'],
      ['route/weight', '/spec/rules/3/action/destinations/1'],
    ]);
  });
});
