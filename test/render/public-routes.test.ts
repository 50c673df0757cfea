import { describe, expect, it } from 'vitest';
import {
  application,
  ingress,
  INTERNAL,
  renderEdited as render,
  route,
  rule,
} from '../support/route-fixtures.ts';

/** A second application, `admin`, deployed next to `shop`, and the ingress `edge`. */
const adminApplication = [...application('admin'), ingress('edge')];

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
