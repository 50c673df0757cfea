import { describe, expect, it } from 'vitest';
import type { LiveResource } from '../../shared/core/drift/asset-records.ts';
import { bucketName, firewallRuleName } from '../../shared/core/naming/cloud-names.ts';
import {
  SHIPMENTS,
  SHIPMENTS_FILE,
  SHIPMENTS_PROJECT,
  drift,
  grant,
  nameLine,
  projectNumber,
} from '../support/example-asset-drift.ts';

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
