import * as v from 'valibot';
import { hostname, name, names, port, region, strict, text, urlPath } from '../fields.ts';

/** An external HTTPS load balancer with a managed certificate, and who IAP admits. */
export const publicIngressSpec = strict({
  description: v.optional(text),
  region: v.optional(region),
  domain: v.pipe(
    strict({
      dns: v.picklist(['GOOGLE_MANAGED', 'CLOUD_DNS', 'EXTERNAL']),
      name: v.optional(hostname),
    }),
    v.check(
      (domain) => (domain.dns === 'GOOGLE_MANAGED') === (domain.name === undefined),
      'expected "name" with CLOUD_DNS or EXTERNAL, and no "name" with GOOGLE_MANAGED',
    ),
  ),
  iapPermissions: v.optional(strict({ groups: v.optional(names), members: v.optional(names) })),
});

/**
 * Who must be signed in to reach a rule. INTERNAL is Identity-Aware Proxy for the
 * organization's people; EXTERNAL is Identity Platform for customers, by tenant.
 * A rule without authentication is public, and the plan says so.
 */
const authentication = v.array(
  strict({
    type: v.picklist(['INTERNAL', 'EXTERNAL']),
    tenants: v.optional(v.array(v.pipe(v.string(), v.nonEmpty('expected a tenant id')))),
  }),
);

/** Who, once signed in, may pass: groups and members of the organization. */
const authorization = v.array(strict({ groups: v.optional(names), members: v.optional(names) }));

const action = strict({
  destinations: v.pipe(
    v.array(strict({ deploymentConfig: name, port, weight: v.optional(v.number()) })),
    v.minLength(1, 'expected at least one destination'),
  ),
});

function exactlyOne(keys: readonly string[]) {
  return v.check(
    (match: Record<string, unknown>) => keys.filter((key) => match[key] !== undefined).length === 1,
    `expected exactly one of ${keys.join(', ')}`,
  );
}

const httpMatch = v.pipe(
  strict({
    prefixMatch: v.optional(urlPath),
    fullPathMatch: v.optional(urlPath),
    regexMatch: v.optional(v.pipe(v.string(), v.nonEmpty('expected a regular expression'))),
  }),
  exactlyOne(['prefixMatch', 'fullPathMatch', 'regexMatch']),
);

const grpcMatch = strict({
  service: v.pipe(
    v.string(),
    v.regex(/^[A-Za-z_][\w.]*$/, 'expected a gRPC service name such as pkg.v1.Venues'),
  ),
  method: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z_]\w*$/, 'expected a gRPC method name'))),
});

function routeSpec<TMatch extends v.GenericSchema>(match: TMatch) {
  return strict({
    description: v.optional(text),
    rules: v.pipe(
      v.array(
        strict({
          matches: v.pipe(v.array(match), v.minLength(1, 'expected at least one match')),
          authentication: v.optional(authentication),
          authorization: v.optional(authorization),
          action,
        }),
      ),
      v.minLength(1, 'expected at least one rule'),
    ),
  });
}

/** HTTP routing rules of a PublicIngress. */
export const httpRouteSpec = routeSpec(httpMatch);

/** gRPC routing rules of a PublicIngress. */
export const grpcRouteSpec = routeSpec(grpcMatch);
