import { describe, expect, it } from 'vitest';
import type { DriftObservation } from '../../shared/core/drift/drift-finding.ts';
import {
  BUILD_IDENTITY,
  POOL,
  PROJECT_TYPE,
  SHIPMENTS,
  SHIPMENTS_FILE,
  SHIPMENTS_PROJECT,
  baseline,
  drift,
  folderNamed,
  grant,
  nameLine,
  onShipments,
  projectNumber,
} from '../support/example-asset-drift.ts';

describe('asset drift', () => {
  it('sees nothing when the organization is exactly the desired state', () => {
    expect(baseline().policies.length).toBeGreaterThan(40);
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

  it('reports a grant once when a search and an export both hold it', () => {
    // An export names the project by number, a search by id: the same policy, twice.
    const byNumber = onShipments('roles/run.viewer', `${POOL}/group/sre`);
    const byId = {
      ...byNumber,
      asset: `//cloudresourcemanager.googleapis.com/projects/${SHIPMENTS_PROJECT}`,
    };
    expect(drift({ policies: [byNumber, byId] })).toHaveLength(1);
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
