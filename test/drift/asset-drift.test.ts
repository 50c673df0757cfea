import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticAssetExport } from '../../bench/synthetic/asset-export.ts';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { assetDrift } from '../../shared/core/drift/asset-drift.ts';
import type {
  LiveAssets,
  LiveIamPolicy,
  LiveResource,
} from '../../shared/core/drift/asset-records.ts';
import type { DriftObservation } from '../../shared/core/drift/drift-finding.ts';
import { organizationIdentity } from '../../shared/core/drift/grant-severity.ts';
import { manifestLocator } from '../../shared/core/drift/manifest-locator.ts';
import { parseAssetFile } from '../../shared/core/drift/parse-asset-file.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import type { DesiredState } from '../../shared/core/governance/desired-state.ts';
import type { WorkspaceModel } from '../../shared/core/governance/governance-model.ts';
import { bucketName, firewallRuleName } from '../../shared/core/naming/cloud-names.ts';
import { exampleRenderConfig } from '../../shared/core/render/render-config.ts';
import { examplesDirectory } from '../support/corpus.ts';

// The example organization, rendered with the example configuration (prefix `example`,
// hub `example-network-hub`): its project and bucket names, as the renderer writes them.
const SHIPMENTS = 'shipping.production.shipments';
const SHIPMENTS_PROJECT = 'example-shipments-prod-0d2ff1a';
const BUILD_IDENTITY = 'serviceAccount:infrastream-build@platform-ops.iam.gserviceaccount.com';
const POOL = 'principalSet://iam.googleapis.com/locations/global/workforcePools/kestrel-freight';
const SHIPMENTS_FILE =
  'organization/kestrel-freight/organizational-unit/shipping/environment/production/project/shipments';

let state: DesiredState;
let workspaces: WorkspaceModel[];
/** The organization exactly as the desired state has it, as an export gives it back. */
let baseline: LiveAssets;

beforeAll(() => {
  const analysis = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
  state = analysis.state;
  workspaces = [...compileWorkspaces(state).values()];
  const exported = syntheticAssetExport(workspaces, exampleRenderConfig);
  const parsed = parseAssetFile('export.ndjson', exported.lines.join('\n'));
  if (!parsed.ok) throw new Error(parsed.error.message);
  baseline = parsed.assets;
});

/** The observations of the baseline with these records added. */
function drift(
  added: { policies?: LiveIamPolicy[]; resources?: LiveResource[] },
  platformProjects?: string[],
): DriftObservation[] {
  return assetDrift({
    workspaces,
    config: exampleRenderConfig,
    live: {
      policies: [...baseline.policies, ...(added.policies ?? [])],
      resources: [...baseline.resources, ...(added.resources ?? [])],
    },
    organization: organizationIdentity(state),
    platformMembers: [BUILD_IDENTITY],
    ...(platformProjects === undefined ? {} : { platformProjects }),
    locate: manifestLocator(state),
  });
}

/** The number the baseline gives a project, as exports and searches name it in `project`. */
function projectNumber(id: string): string {
  const project = baseline.resources.find((resource) => resource.attributes['projectId'] === id);
  if (project === undefined) throw new Error(`no project ${id}`);
  return project.attributes['projectNumber'] as string;
}

function folderNamed(displayName: string): string {
  const folder = baseline.resources.find((resource) => resource.displayName === displayName);
  if (folder === undefined) throw new Error(`no folder ${displayName}`);
  return folder.asset;
}

function grant(
  asset: string,
  assetType: string,
  role: string,
  member: string,
  project?: string,
): LiveIamPolicy {
  return {
    asset,
    assetType,
    ...(project === undefined ? {} : { project: `projects/${projectNumber(project)}` }),
    bindings: [{ role, members: [member] }],
  };
}

const PROJECT_TYPE = 'cloudresourcemanager.googleapis.com/Project';

/** A grant on the shipments project, named by number as an export names it. */
function onShipments(role: string, member: string): LiveIamPolicy {
  return grant(
    `//cloudresourcemanager.googleapis.com/projects/${projectNumber(SHIPMENTS_PROJECT)}`,
    PROJECT_TYPE,
    role,
    member,
    SHIPMENTS_PROJECT,
  );
}

/** The line a manifest's `name:` is on, 1-based. */
function nameLine(file: string): number {
  const text = readFileSync(join(examplesDirectory, file), 'utf8');
  return text.split('\n').findIndex((line) => /^\s+name:/.test(line)) + 1;
}

describe('asset drift', () => {
  it('sees nothing when the organization is exactly the desired state', () => {
    expect(baseline.policies.length).toBeGreaterThan(40);
    expect(drift({})).toEqual([]);
  });

  it('reports a grant on a declared project with its workspace and declaring entry', () => {
    const observations = drift({
      policies: [onShipments('roles/run.viewer', `${POOL}/group/sre`)],
    });
    const file = `${SHIPMENTS_FILE}.yaml`;
    expect(observations).toEqual([
      {
        source: 'iam',
        workspace: SHIPMENTS,
        asset: `//cloudresourcemanager.googleapis.com/projects/${SHIPMENTS_PROJECT}`,
        attribute: `roles/run.viewer ${POOL}/group/sre`,
        severity: 'high',
        summary: `${POOL}/group/sre holds roles/run.viewer on //cloudresourcemanager.googleapis.com/projects/${SHIPMENTS_PROJECT}, which no manifest grants`,
        before: null,
        after: { role: 'roles/run.viewer', member: `${POOL}/group/sre` },
        manifest: { file, line: nameLine(file), column: 9 },
      },
    ]);
  });

  it('reports a grant on a declared secret, named by project number, against the secret', () => {
    const secret = `//secretmanager.googleapis.com/projects/${projectNumber(SHIPMENTS_PROJECT)}/secrets/twilio-auth-token`;
    const [observation, ...rest] = drift({
      policies: [
        grant(
          secret,
          'secretmanager.googleapis.com/Secret',
          'roles/secretmanager.secretAccessor',
          `serviceAccount:shipment-api@${SHIPMENTS_PROJECT}.iam.gserviceaccount.com`,
          SHIPMENTS_PROJECT,
        ),
      ],
    });
    const file = `${SHIPMENTS_FILE}/secret/twilio-auth-token.yaml`;
    expect(rest).toEqual([]);
    expect(observation).toMatchObject({
      source: 'iam',
      workspace: SHIPMENTS,
      asset: `//secretmanager.googleapis.com/projects/${SHIPMENTS_PROJECT}/secrets/twilio-auth-token`,
      severity: 'high',
      manifest: { file, line: nameLine(file) },
    });
  });

  it('matches the grants the workspace makes to its own identities exactly', () => {
    // notifier may read twilio-auth-token; shipment-api may not (previous case).
    const secret = `//secretmanager.googleapis.com/projects/${SHIPMENTS_PROJECT}/secrets/twilio-auth-token`;
    const notifier = `serviceAccount:notifier@${SHIPMENTS_PROJECT}.iam.gserviceaccount.com`;
    const type = 'secretmanager.googleapis.com/Secret';
    expect(
      drift({ policies: [grant(secret, type, 'roles/secretmanager.secretAccessor', notifier)] }),
    ).toEqual([]);
    expect(
      drift({ policies: [grant(secret, type, 'roles/secretmanager.viewer', notifier)] }),
    ).toHaveLength(1);
  });

  it('reports a conditional grant even where the same grant without a condition is declared', () => {
    const observations = drift({
      policies: [
        {
          asset: `//cloudresourcemanager.googleapis.com/projects/${SHIPMENTS_PROJECT}`,
          assetType: PROJECT_TYPE,
          bindings: [
            {
              role: 'roles/run.developer',
              members: [`${POOL}/group/sre`],
              condition: { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' },
            },
          ],
        },
      ],
    });
    expect(observations.map((o) => [o.attribute, o.severity])).toEqual([
      [
        `roles/run.developer ${POOL}/group/sre if request.time < timestamp("2030-01-01T00:00:00Z")`,
        'high',
      ],
    ]);
  });

  it('finds declared folders by parent and display name, and places grants on them', () => {
    const shipping = folderNamed('Shipping');
    const [declared] = drift({
      policies: [
        grant(
          shipping,
          'cloudresourcemanager.googleapis.com/Folder',
          'roles/browser',
          `${POOL}/group/sre`,
        ),
      ],
    });
    const file = 'organization/kestrel-freight/organizational-unit/shipping/shipping.yaml';
    expect(declared).toMatchObject({
      workspace: 'organization',
      asset: shipping,
      manifest: { file, line: nameLine(file) },
    });
    const [undeclared] = drift({
      policies: [
        grant(
          '//cloudresourcemanager.googleapis.com/folders/999',
          'cloudresourcemanager.googleapis.com/Folder',
          'roles/browser',
          `${POOL}/group/sre`,
        ),
      ],
    });
    expect(undeclared).not.toHaveProperty('workspace');
    expect(undeclared).not.toHaveProperty('manifest');
  });

  const severities: readonly [string, string, string, DriftObservation['severity']][] = [
    ['a basic role', 'roles/owner', `${POOL}/group/sre`, 'critical'],
    ['a basic role, in any case', 'roles/Editor', `${POOL}/group/sre`, 'critical'],
    ['an admin role', 'roles/storage.admin', `${POOL}/group/sre`, 'critical'],
    ['an admin role of one kind', 'roles/storage.objectAdmin', `${POOL}/group/sre`, 'critical'],
    ['a privileged role', 'roles/iam.serviceAccountTokenCreator', `${POOL}/group/sre`, 'critical'],
    ['anyone', 'roles/logging.viewer', 'allUsers', 'critical'],
    ['anyone signed in', 'roles/logging.viewer', 'allAuthenticatedUsers', 'critical'],
    ['an account of another domain', 'roles/logging.viewer', 'user:eve@gmail.com', 'critical'],
    [
      'an account of the domain',
      'roles/logging.viewer',
      'user:ann@kestrel-freight.example',
      'high',
    ],
    [
      'a group of the internal domain',
      'roles/logging.viewer',
      'group:ops@kestrel.internal',
      'high',
    ],
    ['another domain', 'roles/logging.viewer', 'domain:gmail.com', 'critical'],
    [
      'another workforce pool',
      'roles/logging.viewer',
      'principalSet://iam.googleapis.com/locations/global/workforcePools/evil/group/x',
      'critical',
    ],
    [
      'an identity of another project',
      'roles/logging.viewer',
      'serviceAccount:x@someone-else.iam.gserviceaccount.com',
      'critical',
    ],
    [
      'an identity of an own project',
      'roles/logging.viewer',
      `serviceAccount:x@${SHIPMENTS_PROJECT}.iam.gserviceaccount.com`,
      'high',
    ],
    [
      'a deleted member',
      'roles/logging.viewer',
      'deleted:user:old@kestrel-freight.example?uid=1',
      'high',
    ],
  ];
  it.each(severities)('judges a grant to %s as it should', (_, role, member, severity) => {
    expect(drift({ policies: [onShipments(role, member)] }).map((o) => o.severity)).toEqual([
      severity,
    ]);
  });

  it("judges the default compute identity of an own project as the project's own", () => {
    const member = `serviceAccount:${projectNumber(SHIPMENTS_PROJECT)}-compute@developer.gserviceaccount.com`;
    expect(drift({ policies: [onShipments('roles/editor', member)] })).toMatchObject([
      { severity: 'critical', attribute: `roles/editor ${member}` },
    ]);
    expect(drift({ policies: [onShipments('roles/logging.viewer', member)] })).toMatchObject([
      { severity: 'high' },
    ]);
  });

  const exempt: readonly [string, string][] = [
    [
      'a project service agent',
      'serviceAccount:service-400000000004@gcp-sa-pubsub.iam.gserviceaccount.com',
    ],
    [
      'an organization service agent',
      'serviceAccount:service-org-123456@gcp-sa-cloudasset.iam.gserviceaccount.com',
    ],
    [
      'a folder service agent',
      'serviceAccount:service-folder-700@gcp-sa-logging.iam.gserviceaccount.com',
    ],
    [
      'the Google APIs service agent',
      'serviceAccount:400000000004@cloudservices.gserviceaccount.com',
    ],
    [
      'a service agent of before gcp-sa-',
      'serviceAccount:service-400000000004@compute-system.iam.gserviceaccount.com',
    ],
    [
      'the legacy Cloud Build account',
      'serviceAccount:400000000004@cloudbuild.gserviceaccount.com',
    ],
    ["the pipeline's build identity", BUILD_IDENTITY],
  ];
  it.each(exempt)('leaves out the grants of %s', (_, member) => {
    expect(drift({ policies: [onShipments('roles/editor', member)] })).toEqual([]);
  });

  const lookalikes: readonly [string, string][] = [
    [
      'a service agent without a number',
      'serviceAccount:service-abc@gcp-sa-pubsub.iam.gserviceaccount.com',
    ],
    [
      'a service agent domain with a suffix',
      'serviceAccount:service-1@gcp-sa-pubsub.iam.gserviceaccount.com.evil.example',
    ],
    ['a user named like an agent', 'user:service-1@gcp-sa-pubsub.iam.gserviceaccount.com'],
    [
      'an account named like the cloudservices one',
      'serviceAccount:1@cloudservices.gserviceaccount.com.example',
    ],
  ];
  it.each(lookalikes)('reports the grants of %s', (_, member) => {
    expect(drift({ policies: [onShipments('roles/editor', member)] })).toHaveLength(1);
  });

  it('compares nothing in a platform project', () => {
    const owner = onShipments('roles/owner', 'user:eve@gmail.com');
    expect(drift({ policies: [owner] }, [SHIPMENTS_PROJECT])).toEqual([]);
  });
});

describe('unmanaged resources', () => {
  const inShipments = (
    asset: string,
    assetType: string,
    attributes: LiveResource['attributes'] = {},
  ): LiveResource => ({
    asset,
    assetType,
    project: `projects/${projectNumber(SHIPMENTS_PROJECT)}`,
    attributes,
  });
  const hub = '//compute.googleapis.com/projects/example-network-hub/global/firewalls';

  const cases: readonly [string, () => LiveResource, string | undefined, string?][] = [
    [
      'a user-managed service account key',
      () =>
        inShipments(
          `//iam.googleapis.com/projects/${SHIPMENTS_PROJECT}/serviceAccounts/1/keys/k`,
          'iam.googleapis.com/ServiceAccountKey',
          { keyType: 'USER_MANAGED' },
        ),
      'high',
      'user-managed key',
    ],
    [
      'a key Google manages',
      () =>
        inShipments(
          `//iam.googleapis.com/projects/${SHIPMENTS_PROJECT}/serviceAccounts/1/keys/k`,
          'iam.googleapis.com/ServiceAccountKey',
          { keyType: 'SYSTEM_MANAGED' },
        ),
      undefined,
    ],
    [
      'a firewall rule no one declares',
      () => inShipments(`${hub}/allow-ssh-from-anywhere`, 'compute.googleapis.com/Firewall'),
      'high',
      'firewall rule',
    ],
    [
      'the hub baseline rule',
      () => inShipments(`${hub}/hub-deny-all-ingress`, 'compute.googleapis.com/Firewall'),
      undefined,
    ],
    [
      "a project's declared rule",
      () =>
        inShipments(
          `${hub}/${firewallRuleName(SHIPMENTS, 'allow-load-balancer')}`,
          'compute.googleapis.com/Firewall',
        ),
      undefined,
    ],
    [
      'an external address no one declares',
      () =>
        inShipments(
          `//compute.googleapis.com/projects/${SHIPMENTS_PROJECT}/regions/europe-west4/addresses/debug`,
          'compute.googleapis.com/Address',
          { addressType: 'EXTERNAL' },
        ),
      'high',
      'external address',
    ],
    [
      'an address without a type, which is external',
      () =>
        inShipments(
          `//compute.googleapis.com/projects/${SHIPMENTS_PROJECT}/global/addresses/debug`,
          'compute.googleapis.com/GlobalAddress',
        ),
      'high',
    ],
    [
      'an internal address',
      () =>
        inShipments(
          `//compute.googleapis.com/projects/${SHIPMENTS_PROJECT}/regions/europe-west4/addresses/db`,
          'compute.googleapis.com/Address',
          { addressType: 'INTERNAL' },
        ),
      undefined,
    ],
    [
      "a public ingress's address",
      () =>
        inShipments(
          `//compute.googleapis.com/projects/${SHIPMENTS_PROJECT}/global/addresses/customer-edge-address`,
          'compute.googleapis.com/GlobalAddress',
          { addressType: 'EXTERNAL' },
        ),
      undefined,
    ],
    [
      'a bucket no one declares',
      () => inShipments('//storage.googleapis.com/shipments-dump', 'storage.googleapis.com/Bucket'),
      'medium',
      'bucket',
    ],
    [
      'the state bucket',
      () =>
        inShipments(
          '//storage.googleapis.com/example-infrastream-state',
          'storage.googleapis.com/Bucket',
        ),
      undefined,
    ],
    [
      'a private service no one declares',
      () =>
        inShipments(
          `//run.googleapis.com/projects/${SHIPMENTS_PROJECT}/locations/europe-west4/services/debug`,
          'run.googleapis.com/Service',
        ),
      undefined,
    ],
  ];
  it.each(cases)('judges %s', (_, resource, severity, attribute) => {
    const observations = drift({ resources: [resource()] });
    expect(observations.map((o) => o.severity)).toEqual(severity === undefined ? [] : [severity]);
    if (attribute !== undefined)
      expect(observations[0]).toMatchObject({
        source: 'resources',
        workspace: SHIPMENTS,
        attribute,
      });
  });

  it('reports nothing for a declared bucket, by the name the renderer gives it', () => {
    const name = bucketName('example', SHIPMENTS, 'proof-of-delivery');
    expect(name).toMatch(/^example-shipments-production-proof-of-delivery-/);
    const declared = drift({
      resources: [inShipments(`//storage.googleapis.com/${name}`, 'storage.googleapis.com/Bucket')],
    });
    expect(declared).toEqual([]);
  });

  it('reports a Cloud Run service no one declares that anyone may invoke', () => {
    const service = `//run.googleapis.com/projects/${SHIPMENTS_PROJECT}/locations/europe-west4/services/debug`;
    const observations = drift({
      resources: [inShipments(service, 'run.googleapis.com/Service')],
      policies: [
        grant(
          service,
          'run.googleapis.com/Service',
          'roles/run.invoker',
          'allUsers',
          SHIPMENTS_PROJECT,
        ),
      ],
    });
    expect(observations.map((o) => [o.source, o.attribute, o.severity])).toEqual([
      ['iam', 'roles/run.invoker allUsers', 'critical'],
      ['resources', 'public service', 'critical'],
    ]);
  });

  it('reports only the grant when the public service is declared', () => {
    const service = `//run.googleapis.com/projects/${SHIPMENTS_PROJECT}/locations/europe-west4/services/notifier`;
    const file = `${SHIPMENTS_FILE}/deployment-config/notifier.yaml`;
    const observations = drift({
      resources: [inShipments(service, 'run.googleapis.com/Service')],
      policies: [
        grant(
          service,
          'run.googleapis.com/Service',
          'roles/run.invoker',
          'allUsers',
          SHIPMENTS_PROJECT,
        ),
      ],
    });
    expect(observations).toMatchObject([
      { source: 'iam', severity: 'critical', manifest: { file, line: nameLine(file) } },
    ]);
  });
});
