import type { GraphNode } from '../governance/desired-state.ts';
import { createIssue, type Issue } from '../issues/issue.ts';
import { describeValue } from '../manifests/fields.ts';
import type { Kind } from '../manifests/kinds.ts';
import { fieldPointers, valueAt } from '../manifests/field-pointers.ts';
import { locate } from '../parse/source-document.ts';

/**
 * Fields the schemas accept that the renderer does not turn into Terraform yet. Each says
 * what will not happen, so that a declaration is never taken for a promise kept.
 */
export interface UnsupportedField {
  readonly kind: Kind;
  /**
   * The fields it covers, as the field table of docs/manifests.md writes them: a path
   * covers itself and every field under it. The issue is located at the first one set.
   */
  readonly fields: readonly string[];
  /**
   * `render/refused` where ignoring the field would leave things less secure than the
   * declaration says; `render/unsupported` where it leaves them as secure or more.
   */
  readonly rule: 'render/unsupported' | 'render/refused';
  /** Whether a value, in its manifest, is one that is not honoured; every value when absent. */
  readonly when?: (value: unknown, manifest: unknown) => boolean;
  /** For `render/refused`: the values that are rendered, said after "expected". */
  readonly expected?: string;
  /** What will not happen, after the field's path. */
  readonly message: string;
}

const isTrue = (value: unknown) => value === true;

/** The port a DeploymentConfig's service listens on: the lowest it declares, else 8080. */
function servedPort(manifest: unknown): string {
  const ports = valueAt(manifest, '/spec/ports');
  return Object.keys(typeof ports === 'object' && ports !== null ? ports : {})[0] ?? '8080';
}
const isFalse = (value: unknown) => value === false;
const repository =
  'the GitHub repository is not created and its settings are not applied: Infrastream manages its CODEOWNERS and what it deploys, not GitHub';

/** Every field accepted and not rendered, by kind; docs/manifests.md lists them too. */
export const unsupportedFields: readonly UnsupportedField[] = [
  ...(['Organization', 'OrganizationalUnit', 'Environment', 'Project'] as const).map(
    (kind): UnsupportedField => ({
      kind,
      fields: ['spec.hibernation'],
      rule: 'render/unsupported',
      when: (value) => (value as { hibernate?: unknown }).hibernate === true,
      message:
        'nothing is scaled down on a schedule: services keep their minimum instances and databases run around the clock',
    }),
  ),
  ...(['OrganizationalUnit', 'Environment'] as const).map((kind): UnsupportedField => ({
    kind,
    fields: ['spec.network.logs'],
    rule: 'render/unsupported',
    message:
      "the hub's subnets, which every environment shares, log every flow at 5-second intervals with all metadata whatever is set here",
  })),
  {
    kind: 'Project',
    fields: ['spec.defaultUrlRedirect'],
    rule: 'render/unsupported',
    message: 'requests that match no route are answered 404, not redirected',
  },
  {
    kind: 'Project',
    fields: ['spec.maintenance'],
    rule: 'render/unsupported',
    message: "no maintenance window is set: AlloyDB keeps Google's default schedule",
  },
  {
    kind: 'Database',
    fields: ['spec.alloydb.clusterSize'],
    rule: 'render/unsupported',
    when: (value) => value !== 1,
    message: 'the cluster has its primary instance only, no read pool of this many nodes',
  },
  {
    kind: 'Database',
    fields: ['spec.alloydb.backupConfig.enabled'],
    rule: 'render/unsupported',
    when: isFalse,
    message: 'automated daily backups stay on: every cluster keeps them',
  },
  {
    kind: 'Database',
    fields: ['spec.databases'],
    rule: 'render/unsupported',
    message: 'the databases are not created in the cluster: create them in a migration step',
  },
  {
    kind: 'PubSub',
    fields: ['spec.encrypted'],
    rule: 'render/unsupported',
    when: isTrue,
    message:
      'no customer-managed key is created: messages are encrypted at rest with a Google-managed key, as every topic is',
  },
  {
    kind: 'Bucket',
    fields: ['spec.scanForMalware'],
    rule: 'render/unsupported',
    when: isTrue,
    message:
      'uploaded objects are not scanned for malware: treat them as untrusted where they are read',
  },
  {
    kind: 'Bucket',
    fields: ['spec.notifications'],
    rule: 'render/unsupported',
    message:
      'no notification is sent when objects change: only the identity that would push it, and its invoker grant, are created',
  },
  {
    kind: 'PublicIngress',
    fields: ['spec.region'],
    rule: 'render/unsupported',
    message: 'the load balancer is global; each backend is in its service’s region',
  },
  {
    kind: 'PublicIngress',
    fields: ['spec.domain.dns'],
    rule: 'render/unsupported',
    when: (value) => value === 'CLOUD_DNS',
    message:
      'no Cloud DNS zone or record is created: add the records for the host yourself, or its certificate does not provision',
  },
  {
    kind: 'DeploymentConfig',
    fields: ['spec.ports'],
    rule: 'render/unsupported',
    when: (value) => Object.keys(value as object).length > 1,
    message: 'a Cloud Run container listens on one port: only the lowest is served',
  },
  {
    kind: 'DeploymentConfig',
    fields: ['spec.ports.<key>'],
    rule: 'render/unsupported',
    when: (value) => value === 'tcp',
    message: 'Cloud Run serves HTTP only: the port is served as HTTP/1.1',
  },
  {
    kind: 'DeploymentConfig',
    fields: ['spec.migrationJobContainer'],
    rule: 'render/unsupported',
    message: 'no migration job is created',
  },
  ...(['startup', 'liveness'] as const).flatMap((probe): UnsupportedField[] => [
    {
      kind: 'DeploymentConfig',
      fields: [`spec.health.${probe}.port`],
      rule: 'render/unsupported',
      when: (value, manifest) => String(value) !== servedPort(manifest),
      message: 'Cloud Run probes the port the container listens on, not this one',
    },
    {
      kind: 'DeploymentConfig',
      fields: [`spec.health.${probe}.healthyThreshold`],
      rule: 'render/unsupported',
      when: (value) => value !== 1,
      message: 'Cloud Run counts a probe as passed after one success',
    },
  ]),
  {
    kind: 'DeploymentConfig',
    fields: ['spec.deleteBeforeCreate', 'spec.stateful'],
    rule: 'render/unsupported',
    message: 'a new revision is rolled out beside the old one like any Cloud Run service',
  },
  {
    kind: 'DeploymentConfig',
    fields: ['spec.volumeMounts'],
    rule: 'render/unsupported',
    message: 'no volume is mounted in the container',
  },
  {
    kind: 'DeploymentConfig',
    fields: ['spec.bucketMounts'],
    rule: 'render/unsupported',
    message: 'no bucket is mounted in the container',
  },
  ...(['HttpRoute', 'GrpcRoute'] as const).map((kind): UnsupportedField => ({
    kind,
    fields: ['spec.rules[].authentication[].tenants'],
    rule: 'render/unsupported',
    message: 'tenants are read with EXTERNAL authentication only, which is refused',
  })),
  ...(['preReleaseStages', 'releaseStages', 'hotfixStages'] as const).map(
    (stages): UnsupportedField => ({
      kind: 'ReleaseTrack',
      fields: [`spec.${stages}[].approvalPolicy`],
      rule: 'render/unsupported',
      message:
        'deployments are not held for these approvals: changes are approved by the owners CODEOWNERS names for the manifests',
    }),
  ),
  ...(['Application', 'ExternalApplication'] as const).flatMap((kind): UnsupportedField[] => [
    {
      kind,
      fields: ['spec.target'],
      rule: 'render/refused',
      when: (value) => value !== 'CLOUD_RUN',
      expected: 'CLOUD_RUN, the only target rendered',
      message: 'the application would run as a Cloud Run service, not where it is declared to run',
    },
    {
      kind,
      fields: ['spec.meshStrategy'],
      rule: 'render/unsupported',
      when: (value) => value !== 'DISABLED',
      message:
        "the service is not enrolled in Cloud Service Mesh: calls to it are authenticated by Cloud Run's invoker check over Google's TLS, not mesh mTLS",
    },
    {
      kind,
      fields: ['spec.runMigrationJob'],
      rule: 'render/unsupported',
      when: isTrue,
      message: 'no migration job runs before the service is deployed',
    },
    {
      kind,
      fields: ['spec.accessControl.database.privileges'],
      rule: 'render/unsupported',
      message:
        'the privileges are not granted in the database: the IAM database user is created with none',
    },
    {
      kind,
      fields: ['spec.accessControl.database.secretSource'],
      rule: 'render/unsupported',
      message: 'the connection secret is not injected into the service',
    },
  ]),
  {
    kind: 'ArtifactRegistry',
    fields: ['spec.enabled'],
    rule: 'render/refused',
    when: isFalse,
    expected: 'true or nothing',
    message:
      'a disabled repository is not rendered: it would stay, its images readable by its readers; remove its permissions instead, or the manifest once it is empty',
  },
  {
    kind: 'GithubConnection',
    fields: ['spec.owner', 'spec.authenticationMethod', 'spec.hostname', 'spec.administrators'],
    rule: 'render/unsupported',
    message:
      'the connection is not created: the pipeline reaches GitHub through the GitHub App it is deployed with',
  },
  {
    kind: 'GithubRepository',
    fields: [
      'spec.public',
      'spec.name',
      'spec.ignorePrefix',
      'spec.template',
      'spec.strategy',
      'spec.configuration',
    ],
    rule: 'render/unsupported',
    message: repository,
  },
  {
    kind: 'BuildDefinition',
    fields: [
      'spec.type',
      'spec.workDir',
      'spec.private',
      'spec.stages',
      'spec.golang',
      'spec.publish',
      'spec.containerize.platforms',
    ],
    rule: 'render/unsupported',
    message:
      'nothing is built or published: the application runs the image containerize names, at its version, from the registry',
  },
];

/**
 * A `render/unsupported` warning, or a `render/refused` error, for each declaration of a
 * field of {@link unsupportedFields} in these manifests: one per entry and manifest, at
 * the first of its fields that is set, naming what will not happen.
 */
export function checkUnsupportedFields(nodes: Iterable<GraphNode>): Issue[] {
  const issues: Issue[] = [];
  for (const node of nodes) {
    for (const entry of unsupportedFields) {
      if (entry.kind !== node.kind) continue;
      const pointer = entry.fields
        .flatMap((field) => fieldPointers(node.manifest, field))
        .find((found) => entry.when?.(valueAt(node.manifest, found), node.manifest) ?? true);
      if (pointer === undefined) continue;
      const field = fieldPath(node.manifest, pointer);
      const message =
        entry.expected === undefined
          ? `${field}: not rendered: ${entry.message}`
          : `${field}: expected ${entry.expected}, found ${describeValue(valueAt(node.manifest, pointer))}: ${entry.message}`;
      issues.push(createIssue(entry.rule, locate(node.source, pointer, 'key'), message));
    }
  }
  return issues;
}

/** A JSON pointer as messages write a field: `spec.rules[0].action`, `spec.ports.8080`. */
function fieldPath(manifest: unknown, pointer: string): string {
  const parts = pointer.split('/').slice(1);
  return parts
    .map((part, index) => {
      const parent = valueAt(manifest, `/${parts.slice(0, index).join('/')}`);
      return Array.isArray(parent) ? `[${part}]` : `${index === 0 ? '' : '.'}${part}`;
    })
    .join('');
}
