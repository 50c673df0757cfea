import * as v from 'valibot';
import { repositoryKey, type GovernedRepository } from '../pipeline/governed-repository.ts';

const projectId = v.pipe(
  v.string(),
  v.regex(
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
    'expected a Google Cloud project id (6-30 lowercase letters, digits, hyphens)',
  ),
);
const cidr = v.pipe(
  v.string(),
  v.regex(/^\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}$/, 'expected an IPv4 CIDR range'),
);

/**
 * Where modules come from: a git repository pinned to a commit or a release tag, or,
 * for rendering on a workstation, the modules of this checkout by path.
 */
const moduleSource = v.union([
  v.strictObject({
    git: v.pipe(
      v.string(),
      v.regex(/^git::https:\/\/[^\s?#]+$/, 'expected git::https://host/repository.git//folder'),
    ),
    ref: v.pipe(
      v.string(),
      v.regex(
        /^(?:[0-9a-f]{40}|v\d+\.\d+\.\d+)$/,
        'expected a full commit id or a vX.Y.Z tag: module sources are pinned',
      ),
    ),
  }),
  v.strictObject({
    path: v.pipe(
      v.string(),
      v.regex(/^\.{1,2}\//, 'expected a relative path such as ../terraform-modules'),
    ),
  }),
]);

/** How workspaces become Terraform: the organization, its hub and where state lives. */
export const renderConfigSchema = v.strictObject({
  organizationId: v.pipe(v.string(), v.regex(/^\d{6,20}$/, 'expected the numeric organization id')),
  billingAccount: v.pipe(
    v.string(),
    v.regex(
      /^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/,
      'expected a billing account id XXXXXX-XXXXXX-XXXXXX',
    ),
  ),
  /**
   * The folder the organization's folders, and so every workspace's project, are made in:
   * infra/bootstrap's `workspaces_folder`, the one place the build identity may make them.
   * Infrastream's own projects, the seed and the hub, are outside it.
   */
  parentFolder: v.pipe(
    v.string(),
    v.regex(
      /^folders\/[1-9]\d{0,19}$/,
      "expected folders/<number>, infra/bootstrap's workspaces_folder",
    ),
  ),
  /** Prefix of generated project ids and bucket names, which makes them this organization's. */
  projectPrefix: v.pipe(
    v.string(),
    v.regex(/^[a-z][a-z0-9]{1,9}$/, 'expected 2-10 lowercase letters and digits'),
  ),
  state: v.strictObject({
    bucket: v.pipe(
      v.string(),
      v.regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'expected a bucket name'),
    ),
    prefix: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9/_-]*$/, 'expected a path prefix')),
  }),
  hub: v.pipe(
    v.strictObject({
      projectId,
      // At most 40: the hub module prefixes every name it makes with it.
      network: v.pipe(
        v.string(),
        v.regex(
          /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/,
          'expected a network name of at most 40 characters',
        ),
      ),
      region: v.pipe(v.string(), v.regex(/^[a-z]+-[a-z]+\d+$/, 'expected a region')),
      subnets: v.record(
        v.pipe(v.string(), v.regex(/^[a-z]+-[a-z]+\d+$/, 'expected a region')),
        cidr,
      ),
      proxyOnlyCidr: cidr,
      proxySubnetCidr: cidr,
      databaseRange: v.pipe(
        v.string(),
        v.regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected an allocated range name'),
      ),
      /** The egress proxy's Certificate Manager certificates, in the hub's region. */
      certificateUrls: v.pipe(
        v.array(
          v.pipe(
            v.string(),
            v.regex(
              /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z]+-[a-z]+\d+\/certificates\/[a-z0-9-]+$/,
              'expected projects/<project>/locations/<region>/certificates/<name>',
            ),
          ),
        ),
        v.minLength(
          1,
          'expected at least one certificate: the egress proxy cannot be made without',
        ),
      ),
    }),
    // A gateway presents only certificates of its own region.
    v.forward(
      v.check(
        (hub) =>
          hub.certificateUrls.every(
            (url) => url.split('/').length !== 6 || url.split('/')[3] === hub.region,
          ),
        'expected certificates in the hub region, where the egress proxy is',
      ),
      ['certificateUrls'],
    ),
  ),
  /** Receives the access logs of every bucket. */
  logBucket: v.pipe(
    v.string(),
    v.regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'expected a bucket name'),
  ),
  modules: moduleSource,
});

/** The rendering configuration, validated. */
export type RenderConfig = v.InferOutput<typeof renderConfigSchema>;

/**
 * For `infrastream render` on a workstation: placeholders that are plainly not real ids,
 * and the modules of this checkout. Deployments pass a configuration of their own.
 */
export const exampleRenderConfig: RenderConfig = {
  organizationId: '000000000000',
  billingAccount: '000000-000000-000000',
  parentFolder: 'folders/100000000000',
  projectPrefix: 'example',
  state: { bucket: 'example-infrastream-state', prefix: 'workspaces' },
  hub: {
    projectId: 'example-network-hub',
    network: 'hub',
    region: 'europe-west1',
    subnets: {
      'europe-west1': '10.10.0.0/20',
      'europe-west4': '10.20.0.0/20',
      'us-central1': '10.30.0.0/20',
    },
    proxyOnlyCidr: '10.100.0.0/23',
    proxySubnetCidr: '10.100.2.0/24',
    databaseRange: 'alloydb-private-range',
    certificateUrls: [
      'projects/example-network-hub/locations/europe-west1/certificates/egress-proxy',
    ],
  },
  logBucket: 'example-access-logs',
  modules: { path: '../../terraform-modules' },
};

/**
 * The settings of {@link exampleRenderConfig} that name real things in Google Cloud (the
 * organization, the billing account, the projects and buckets Terraform writes to), by
 * their path in the configuration.
 */
const placeholderPaths = {
  organizationId: (config: RenderConfig) => config.organizationId,
  billingAccount: (config: RenderConfig) => config.billingAccount,
  'state.bucket': (config: RenderConfig) => config.state.bucket,
  'hub.projectId': (config: RenderConfig) => config.hub.projectId,
  logBucket: (config: RenderConfig) => config.logBucket,
} as const;

/**
 * The settings of `config` that still hold the example's placeholders: a configuration with
 * any is fit to look at rendered Terraform, never to apply it.
 */
export function renderConfigPlaceholders(config: RenderConfig): string[] {
  return Object.entries(placeholderPaths)
    .filter(([, value]) => value(config) === value(exampleRenderConfig))
    .map(([path]) => path);
}

/**
 * For `infrastream render` on a workstation, beside {@link exampleRenderConfig}: a repository
 * whose id, 0, is plainly not GitHub's.
 */
export const exampleRepository: GovernedRepository = { owner: 'example', name: 'manifests', id: 0 };

/**
 * Where a workspace's Terraform state lives in the state bucket: under the repository's key,
 * its GitHub id, so that a rename keeps the state and no other repository (a fork, one created
 * under a freed name, another one the pipeline's App can read) ever plans against it.
 */
export function workspaceStatePrefix(
  config: RenderConfig,
  repository: GovernedRepository,
  workspace: string,
): string {
  return `${config.state.prefix}/${repositoryKey(repository)}/${workspace}`;
}
