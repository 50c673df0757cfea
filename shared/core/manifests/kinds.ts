/** The manifest format this project reads. */
export const API_VERSION = 'lowops.manifests.v1';

/**
 * The metadata key that names each kind of ancestor. A manifest's metadata names its
 * whole chain of ancestors by these keys; the directory it lives in means nothing.
 */
export const parentKinds = {
  organization: 'Organization',
  'organizational-unit': 'OrganizationalUnit',
  environment: 'Environment',
  project: 'Project',
  'public-ingress': 'PublicIngress',
  'release-track': 'ReleaseTrack',
  'application-set': 'ApplicationSet',
  'github-connection': 'GithubConnection',
  'github-repository': 'GithubRepository',
} as const;

/** A metadata key that names an ancestor. */
export type ParentKey = keyof typeof parentKinds;

const projectScope = ['project', 'environment', 'organizational-unit', 'organization'] as const;

/**
 * Each kind with its ancestors, nearest first. The table is a chain: the ancestors of a
 * kind's parent are exactly the rest of the kind's list, which is what makes an identity
 * (kind, ancestors, name) well defined.
 */
export const kindParents = {
  Organization: [],
  OrganizationalUnit: ['organization'],
  Environment: ['organizational-unit', 'organization'],
  Project: ['environment', 'organizational-unit', 'organization'],
  Database: projectScope,
  Secret: projectScope,
  PubSub: projectScope,
  Bucket: projectScope,
  PublicIngress: projectScope,
  DeploymentConfig: projectScope,
  HttpRoute: ['public-ingress', ...projectScope],
  GrpcRoute: ['public-ingress', ...projectScope],
  ReleaseTrack: ['organizational-unit', 'organization'],
  ApplicationSet: ['release-track', 'organizational-unit', 'organization'],
  Application: ['application-set', 'release-track', 'organizational-unit', 'organization'],
  ExternalApplication: ['application-set', 'release-track', 'organizational-unit', 'organization'],
  OrganizationUser: ['organization'],
  OrganizationUserGroup: ['organization'],
  ArtifactRegistry: ['organization'],
  GithubConnection: ['organization'],
  GithubRepository: ['github-connection', 'organization'],
  BuildDefinition: ['github-repository', 'github-connection', 'organization'],
} as const satisfies Record<string, readonly ParentKey[]>;

/** A kind of manifest. */
export type Kind = keyof typeof kindParents;

/** Every kind, in the order of the hierarchy table. */
export const kinds = Object.keys(kindParents) as Kind[];

/** Whether a string is a kind of this format. */
export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && Object.hasOwn(kindParents, value);
}

/**
 * Whether a document with this apiVersion and kind is a manifest of this format: its
 * apiVersion starts with `lowops.`, or it has no apiVersion and one of the format's kinds.
 * Other formats share kind names (a Kubernetes `Secret` has an apiVersion of its own).
 */
export function isManifestHeader(apiVersion: unknown, kind: unknown): boolean {
  return (
    (typeof apiVersion === 'string' && apiVersion.startsWith('lowops.')) ||
    (apiVersion === undefined && isKind(kind))
  );
}
