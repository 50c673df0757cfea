/**
 * The blueprint of one project, repeated in the environments of its unit: which
 * resources exist in which environment, their free fields, and the picks of what they
 * name.
 */
import fc from 'fast-check';
import { mask, named, permissionsPick, pick, principalsPick } from './picks.ts';
import { re2Problem } from '../../../shared/core/governance/route-policy.ts';
import {
  bucketFree,
  databaseFree,
  deploymentFree,
  ingressFree,
  projectFree,
  topicFree,
} from './spec-fields.ts';
import {
  charOf,
  dnsLabelArbitrary,
  DIGITS,
  fields,
  LOWER,
  nonEmptyText,
  port,
  stringOf,
  textArbitrary,
  UPPER,
  urlPath,
} from './values.ts';

const secretBlueprint = fields(
  {
    name: dnsLabelArbitrary,
    present: mask,
    description: textArbitrary,
    permissions: permissionsPick,
  },
  ['name', 'present'],
);

const databaseBlueprint = fields(
  {
    name: dnsLabelArbitrary,
    present: mask,
    free: databaseFree,
    schemas: named(fields({ name: dnsLabelArbitrary, present: mask }, ['name', 'present']), 0, 3),
    /** Write `databases: []` rather than leave the field out when none is present. */
    writeEmpty: fc.boolean(),
  },
  ['name', 'present', 'free', 'schemas', 'writeEmpty'],
);

const notificationPicks = fc.array(
  fields({ deploymentConfig: pick, path: urlPath }, ['deploymentConfig']),
  { maxLength: 2 },
);

const topicBlueprint = fields(
  { name: dnsLabelArbitrary, present: mask, free: topicFree, notifications: notificationPicks },
  ['name', 'present', 'free'],
);

const bucketBlueprint = fields(
  { name: dnsLabelArbitrary, present: mask, free: bucketFree, notifications: notificationPicks },
  ['name', 'present', 'free'],
);

const grpcMatch = fields(
  {
    service: fc
      .tuple(charOf(`${UPPER}${LOWER}_`), stringOf(`${UPPER}${LOWER}${DIGITS}_.`, 0, 12))
      .map(([first, rest]) => first + rest),
    method: fc
      .tuple(charOf(`${UPPER}${LOWER}_`), stringOf(`${UPPER}${LOWER}${DIGITS}_`, 0, 8))
      .map(([first, rest]) => first + rest),
  },
  ['service'],
);

const httpMatch = fc.oneof(
  urlPath.map((path) => ({ prefixMatch: path })),
  urlPath.map((path) => ({ fullPathMatch: path })),
  fc
    .oneof(
      fc.constantFrom('^/api/.*$', '/v[0-9]+/'),
      // Valid manifests only: what the load balancer's RE2 cannot read is refused.
      nonEmptyText.filter((text) => re2Problem(text) === undefined),
    )
    .map((regex) => ({ regexMatch: regex })),
);

const ruleBlueprint = fields(
  {
    httpMatches: fc.array(httpMatch, { minLength: 1, maxLength: 2 }),
    grpcMatches: fc.array(grpcMatch, { minLength: 1, maxLength: 2 }),
    authentication: fc.array(
      fields(
        {
          // EXTERNAL (Identity Platform) is refused until it can be rendered.
          type: fc.constant('INTERNAL' as const),
          tenants: fc.array(nonEmptyText, { maxLength: 2 }),
        },
        ['type'],
      ),
      { maxLength: 2 },
    ),
    authorization: fc.array(principalsPick, { maxLength: 2 }),
    destinations: fc.array(
      fields({ deploymentConfig: pick, port, weight: fc.integer({ min: 0, max: 100 }) }, [
        'deploymentConfig',
        'port',
      ]),
      { minLength: 1, maxLength: 2 },
    ),
  },
  ['httpMatches', 'grpcMatches', 'destinations'],
);

const routeBlueprint = fields(
  {
    name: dnsLabelArbitrary,
    kind: fc.constantFrom('HttpRoute' as const, 'GrpcRoute' as const),
    present: mask,
    description: textArbitrary,
    rules: fc.array(ruleBlueprint, { minLength: 1, maxLength: 3 }),
  },
  ['name', 'kind', 'present', 'rules'],
);

const ingressBlueprint = fields(
  {
    name: dnsLabelArbitrary,
    present: mask,
    free: ingressFree,
    iap: principalsPick,
    routes: named(routeBlueprint, 0, 2),
  },
  ['name', 'present', 'free', 'routes'],
);

const deploymentBlueprint = fields(
  {
    name: dnsLabelArbitrary,
    present: mask,
    free: deploymentFree,
    bucketMounts: fc.array(
      fields({ bucket: pick, mountPath: urlPath, readOnly: fc.boolean() }, ['bucket', 'mountPath']),
      { maxLength: 2 },
    ),
  },
  ['name', 'present', 'free'],
);

export const projectBlueprint = fields(
  {
    name: dnsLabelArbitrary,
    present: mask,
    free: projectFree,
    permissions: permissionsPick,
    secrets: named(secretBlueprint, 0, 2),
    databases: named(databaseBlueprint, 0, 2),
    topics: named(topicBlueprint, 0, 2),
    buckets: named(bucketBlueprint, 0, 2),
    ingresses: named(ingressBlueprint, 0, 1),
    deployments: named(deploymentBlueprint, 0, 3),
  },
  [
    'name',
    'present',
    'free',
    'secrets',
    'databases',
    'topics',
    'buckets',
    'ingresses',
    'deployments',
  ],
);
