/** The fields of each spec that name nothing else, filled with random valid values. */
import fc from 'fast-check';
import type { Kind } from '../../../shared/core/manifests/kinds.ts';
import type { ManifestOf } from '../../../shared/core/manifests/manifest.ts';
import {
  cron,
  egressDestination,
  envVarName,
  fields,
  githubLogin,
  hostnameArbitrary,
  nonEmptyText,
  port,
  region,
  relativePath,
  repositoryName,
  textArbitrary,
  timestampPair,
  urlPath,
  dnsLabelArbitrary,
} from './values.ts';

export type Spec<K extends Kind> = ManifestOf<K>['spec'];
export type Permissions = NonNullable<Spec<'Project'>['permissions']>;

const hibernation = fields(
  {
    hibernate: fc.boolean(),
    schedule: fields(
      {
        sleep: cron,
        wake: cron,
        timeZone: fc.constantFrom('UTC', 'Europe/Paris', 'Indian/Mauritius', 'America/New_York'),
      },
      ['sleep', 'wake'],
    ),
  },
  ['hibernate'],
);

const network = fields({
  logs: fields({
    interval: fc.constantFrom(
      'INTERVAL_5_SEC',
      'INTERVAL_30_SEC',
      'INTERVAL_1_MIN',
      'INTERVAL_5_MIN',
      'INTERVAL_10_MIN',
      'INTERVAL_15_MIN',
    ),
    sampling: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
    metadata: fc.constantFrom('INCLUDE_ALL_METADATA', 'EXCLUDE_ALL_METADATA'),
  }),
});

export const organizationFree: fc.Arbitrary<Omit<Spec<'Organization'>, 'github' | 'permissions'>> =
  fields({
    description: textArbitrary,
    displayName: textArbitrary,
    domain: fields({ external: hostnameArbitrary, internal: hostnameArbitrary }),
    defaultRegion: region,
    workforceFederation: fields({
      infrastreamManaged: fc.constant(null).map(() => ({})),
    }),
    hibernation,
  });

export const folderFree: fc.Arbitrary<Omit<Spec<'Environment'>, 'permissions'>> = fields({
  displayName: textArbitrary,
  description: textArbitrary,
  network,
  hibernation,
});

const maintenance: fc.Arbitrary<NonNullable<Spec<'Project'>['maintenance']>> = fc
  .tuple(timestampPair, fc.option(fc.array(timestampPair, { maxLength: 2 }), { nil: undefined }))
  .map(([window, exclusions]) => (exclusions === undefined ? window : { ...window, exclusions }));

export const projectFree: fc.Arbitrary<Omit<Spec<'Project'>, 'permissions'>> = fields({
  displayName: textArbitrary,
  description: textArbitrary,
  region,
  allowedEgress: fc.array(egressDestination, { maxLength: 4 }),
  defaultUrlRedirect: fc
    .tuple(hostnameArbitrary, fc.option(urlPath, { nil: undefined }))
    .map(([host, path]) => `https://${host}${path ?? ''}`),
  maintenance,
  hibernation,
});

export const databaseFree: fc.Arbitrary<Omit<Spec<'Database'>, 'databases'>> = fields({
  description: textArbitrary,
  alloydb: fields({
    cpuCount: fc.integer({ min: 1, max: 128 }),
    clusterSize: fc.integer({ min: 1, max: 20 }),
    backupConfig: fields(
      { enabled: fc.boolean(), quantityBasedRetention: fc.integer({ min: 1, max: 365 }) },
      ['enabled'],
    ),
  }),
});

export const topicFree: fc.Arbitrary<Omit<Spec<'PubSub'>, 'notifications'>> = fields({
  description: textArbitrary,
  encrypted: fc.boolean(),
  allowedPersistenceRegions: fc.array(region, { maxLength: 2 }),
  messageRetentionDurationSeconds: fc.integer({ min: 600, max: 2_678_400 }),
});

export const bucketFree: fc.Arbitrary<Omit<Spec<'Bucket'>, 'notifications'>> = fields({
  description: textArbitrary,
  public: fc.boolean(),
  scanForMalware: fc.boolean(),
});

export const ingressFree: fc.Arbitrary<Omit<Spec<'PublicIngress'>, 'iapPermissions'>> = fields(
  {
    description: textArbitrary,
    region,
    domain: fc.oneof(
      fc.constant(null).map(() => ({ dns: 'GOOGLE_MANAGED' as const })),
      fields(
        {
          dns: fc.constantFrom('CLOUD_DNS' as const, 'EXTERNAL' as const),
          name: hostnameArbitrary,
        },
        ['dns', 'name'],
      ),
    ),
  },
  ['domain'],
);

const container = fields({
  env: fc.uniqueArray(fields({ name: envVarName, value: textArbitrary }, ['name', 'value']), {
    maxLength: 3,
    selector: (variable) => variable.name,
  }),
  command: fc.array(textArbitrary, { maxLength: 2 }),
  args: fc.array(textArbitrary, { maxLength: 3 }),
  resources: fields({
    cpu: fc.constantFrom('1', '2', '500m'),
    memory: fc.constantFrom('512Mi', '1Gi', '2Gi'),
  }),
});

/** A probe Cloud Run takes: within `limit` seconds, its timeout no longer than its interval. */
const probe = (limit: number) =>
  fields(
    {
      protocol: fc.constantFrom('http', 'grpc', 'tcp'),
      port,
      path: urlPath,
      initialDelaySec: fc.integer({ min: 0, max: limit }),
      checkIntervalSec: fc.integer({ min: 1, max: limit }),
      timeoutSec: fc.integer({ min: 1, max: limit }),
      healthyThreshold: fc.integer({ min: 1, max: 100 }),
      unhealthyThreshold: fc.integer({ min: 1, max: 100 }),
    },
    ['protocol', 'port'],
  ).map((declared) =>
    declared.timeoutSec !== undefined && declared.timeoutSec > (declared.checkIntervalSec ?? 10)
      ? { ...declared, timeoutSec: declared.checkIntervalSec ?? 10 }
      : declared,
  );

const scaling = fc
  .tuple(fc.integer({ min: 0, max: 1000 }), fc.option(fc.integer({ min: 1, max: 1000 })))
  .map(([min, max]) => (max === null ? { min } : { min, max: Math.max(min, max) }));

export const deploymentFree: fc.Arbitrary<Omit<Spec<'DeploymentConfig'>, 'bucketMounts'>> = fields({
  description: textArbitrary,
  container,
  migrationJobContainer: container,
  ports: fc.dictionary(port.map(String), fc.constantFrom('http', 'http2', 'grpc', 'tcp'), {
    maxKeys: 3,
    noNullPrototype: true,
  }),
  health: fields({ startup: probe(240), liveness: probe(3600) }),
  scaling,
  version: fc.oneof(
    fc
      .tuple(fc.nat({ max: 20 }), fc.nat({ max: 20 }), fc.nat({ max: 20 }))
      .map((parts) => parts.join('.')),
    nonEmptyText,
  ),
  deleteBeforeCreate: fc.boolean(),
  stateful: fc.boolean(),
  volumeMounts: fc.uniqueArray(
    fields(
      { name: dnsLabelArbitrary, mountPath: urlPath, sizeGi: fc.integer({ min: 1, max: 1024 }) },
      ['name', 'mountPath'],
    ),
    { maxLength: 2, selector: (mount) => mount.name },
  ),
});

export const registryFree: fc.Arbitrary<Omit<Spec<'ArtifactRegistry'>, 'permissions'>> = fields(
  {
    enabled: fc.boolean(),
    description: textArbitrary,
    public: fc.boolean(),
    type: fc.constantFrom('DOCKER', 'STATIC', 'NPM', 'MAVEN', 'PYTHON', 'GO', 'APT', 'YUM'),
  },
  ['type'],
);

export const connectionFree: fc.Arbitrary<Omit<Spec<'GithubConnection'>, 'administrators'>> =
  fields(
    {
      description: textArbitrary,
      owner: githubLogin,
      authenticationMethod: fc.constantFrom('GITHUB_APP', 'TOKEN'),
      hostname: hostnameArbitrary,
    },
    ['owner', 'authenticationMethod'],
  );

export const repositoryFree: fc.Arbitrary<
  Omit<Spec<'GithubRepository'>, 'codeOwners' | 'permissions'>
> = fields({
  description: textArbitrary,
  public: fc.boolean(),
  name: repositoryName,
  ignorePrefix: fc.boolean(),
  template: fields({ owner: githubLogin, repository: repositoryName }, ['owner', 'repository']),
  strategy: fc.constantFrom('TRUNK_BASED', 'GITHUB_FLOW', 'GIT_FLOW'),
  configuration: fields({
    wiki: fc.boolean(),
    projects: fc.boolean(),
    issues: fc.boolean(),
    downloads: fc.boolean(),
    discussions: fc.boolean(),
  }),
});

export const buildFree: fc.Arbitrary<Omit<Spec<'BuildDefinition'>, 'publish' | 'containerize'>> =
  fields(
    {
      description: textArbitrary,
      type: fc.constantFrom('GOLANG', 'REACT', 'NODE', 'PYTHON', 'JAVA', 'DOCKER'),
      workDir: relativePath,
      private: fc.boolean(),
      stages: fc.subarray(['analysis', 'test', 'build', 'publish', 'containerize'] as const),
      golang: fields({ target: relativePath, buildType: fc.constantFrom('bin', 'plugin') }),
    },
    ['type'],
  );

export const workloadFree = fields({
  description: textArbitrary,
  target: fc.constantFrom('CLOUD_RUN', 'KUBERNETES', 'COMPUTE'),
  meshStrategy: fc.constantFrom('SIDECAR', 'PROXYLESS', 'DISABLED'),
  runMigrationJob: fc.boolean(),
});
