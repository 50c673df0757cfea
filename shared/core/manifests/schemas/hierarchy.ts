import * as v from 'valibot';
import { parseEgressDestination } from '../egress-destination.ts';
import {
  githubLogin,
  hibernation,
  hostname,
  maintenance,
  network,
  permissions,
  region,
  strict,
  text,
} from '../fields.ts';

/** The root: organization-wide IAM, the `*` line of CODEOWNERS, the GitHub organization. */
export const organizationSpec = strict({
  description: v.optional(text),
  displayName: v.optional(text),
  domain: v.optional(strict({ external: v.optional(hostname), internal: v.optional(hostname) })),
  defaultRegion: v.optional(region),
  github: v.optional(strict({ organization: githubLogin })),
  permissions: v.optional(permissions),
  workforceFederation: v.optional(strict({ infrastreamManaged: v.optional(strict({})) })),
  hibernation: v.optional(hibernation),
});

/** A product line or department: a folder with its own IAM. */
export const organizationalUnitSpec = strict({
  displayName: v.optional(text),
  description: v.optional(text),
  permissions: v.optional(permissions),
  network: v.optional(network),
  hibernation: v.optional(hibernation),
});

/** A stage such as development or production: a folder under its unit. */
export const environmentSpec = strict({
  displayName: v.optional(text),
  description: v.optional(text),
  permissions: v.optional(permissions),
  network: v.optional(network),
  hibernation: v.optional(hibernation),
});

const egressDestination = v.pipe(
  v.string(),
  v.check(
    (entry) => parseEgressDestination(entry) !== undefined,
    (issue) =>
      `expected a host name (api.example.com), a wildcard (*.example.com) or a CIDR range with zero host bits (203.0.113.0/24), found ${issue.received}`,
  ),
);

/** A Google Cloud project in one environment: a spoke of the shared VPC. */
export const projectSpec = strict({
  displayName: v.optional(text),
  description: v.optional(text),
  region: v.optional(region),
  allowedEgress: v.optional(v.array(egressDestination)),
  defaultUrlRedirect: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^https:\/\/[^\s]+$/, (issue) => `expected an https:// URL, found ${issue.received}`),
    ),
  ),
  maintenance: v.optional(maintenance),
  hibernation: v.optional(hibernation),
  permissions: v.optional(permissions),
});
