import * as v from 'valibot';
import { name, strict } from './fields.ts';
import { API_VERSION, kindParents, type Kind } from './kinds.ts';
import {
  environmentSpec,
  organizationalUnitSpec,
  organizationSpec,
  projectSpec,
} from './schemas/hierarchy.ts';
import { grpcRouteSpec, httpRouteSpec, publicIngressSpec } from './schemas/ingress.ts';
import { organizationUserGroupSpec, organizationUserSpec } from './schemas/people.ts';
import { bucketSpec, databaseSpec, pubSubSpec, secretSpec } from './schemas/resources.ts';
import {
  artifactRegistrySpec,
  buildDefinitionSpec,
  githubConnectionSpec,
  githubRepositorySpec,
} from './schemas/source.ts';
import {
  applicationSetSpec,
  applicationSpec,
  deploymentConfigSpec,
  externalApplicationSpec,
  releaseTrackSpec,
} from './schemas/workloads.ts';

type ParentsOf<K extends Kind> = (typeof kindParents)[K][number];

/** `{ name, <every ancestor key> }`, all required. */
export function metadataOf<K extends Kind>(kind: K) {
  const entries: Record<string, typeof name> = { name };
  for (const key of kindParents[kind]) entries[key] = name;
  return strict(entries as { name: typeof name } & Record<ParentsOf<K>, typeof name>);
}

function manifestOf<const K extends Kind, TSpec extends v.GenericSchema>(kind: K, spec: TSpec) {
  return strict({
    apiVersion: v.literal(API_VERSION),
    kind: v.literal(kind),
    metadata: metadataOf(kind),
    spec,
  });
}

/** The schema of every kind: the one definition of what a valid manifest is. */
export const manifestSchemas = {
  Organization: manifestOf('Organization', organizationSpec),
  OrganizationalUnit: manifestOf('OrganizationalUnit', organizationalUnitSpec),
  Environment: manifestOf('Environment', environmentSpec),
  Project: manifestOf('Project', projectSpec),
  Database: manifestOf('Database', databaseSpec),
  Secret: manifestOf('Secret', secretSpec),
  PubSub: manifestOf('PubSub', pubSubSpec),
  Bucket: manifestOf('Bucket', bucketSpec),
  PublicIngress: manifestOf('PublicIngress', publicIngressSpec),
  DeploymentConfig: manifestOf('DeploymentConfig', deploymentConfigSpec),
  HttpRoute: manifestOf('HttpRoute', httpRouteSpec),
  GrpcRoute: manifestOf('GrpcRoute', grpcRouteSpec),
  ReleaseTrack: manifestOf('ReleaseTrack', releaseTrackSpec),
  ApplicationSet: manifestOf('ApplicationSet', applicationSetSpec),
  Application: manifestOf('Application', applicationSpec),
  ExternalApplication: manifestOf('ExternalApplication', externalApplicationSpec),
  OrganizationUser: manifestOf('OrganizationUser', organizationUserSpec),
  OrganizationUserGroup: manifestOf('OrganizationUserGroup', organizationUserGroupSpec),
  ArtifactRegistry: manifestOf('ArtifactRegistry', artifactRegistrySpec),
  GithubConnection: manifestOf('GithubConnection', githubConnectionSpec),
  GithubRepository: manifestOf('GithubRepository', githubRepositorySpec),
  BuildDefinition: manifestOf('BuildDefinition', buildDefinitionSpec),
} as const satisfies Record<Kind, v.GenericSchema>;

/** A valid manifest of kind K, as its schema outputs it. */
export type ManifestOf<K extends Kind> = v.InferOutput<(typeof manifestSchemas)[K]>;

/** Any valid manifest; `kind` tells which. */
export type Manifest = { [K in Kind]: ManifestOf<K> }[Kind];
