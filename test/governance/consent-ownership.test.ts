// The change being judged may also edit ownership: it must not decide who consents to it.
import { describe, expect, it } from 'vitest';
import type { CodeownersLine } from '../../shared/core/governance/codeowners.ts';
import { consentRequests } from '../../shared/core/governance/consent.ts';
import type { WorkspaceModel } from '../../shared/core/governance/governance-model.ts';
import { workloadRoles } from '../../shared/core/governance/iam-roles.ts';
import type { ModelDiff } from '../../shared/core/governance/plan.ts';

const APP = 'shop/app.yaml';
const SECRET = 'vault/secret.yaml';

/** The shop application is granted the vault team's secret. */
const workspace: WorkspaceModel = {
  id: 'shop',
  resources: [
    {
      address: 'secret.stripe',
      type: 'secret',
      attributes: {},
      cause: { file: SECRET, pointer: '' },
    },
  ],
  iam: [],
  firewall: [],
  egress: [],
};

const diff: ModelDiff = {
  workspaces: [
    {
      id: 'shop',
      create: [],
      replace: [],
      update: [],
      destroy: [],
      iam: {
        add: [
          {
            resource: 'secret.stripe',
            role: workloadRoles.secretAccessor,
            member: 'serviceAccount:app',
            subject: 'Application:app',
            cause: { file: APP, pointer: '/spec' },
          },
        ],
        remove: [],
      },
      firewall: { add: [], remove: [], update: [] },
      egress: { add: [], remove: [] },
    },
  ],
  codeowners: { add: [], remove: [] },
};

const lines = (owners: Readonly<Record<string, readonly string[]>>): CodeownersLine[] => [
  { pattern: '*', owners: ['@acme/platform'] },
  ...Object.entries(owners).map(([file, fileOwners]) => ({
    pattern: `/${file}`,
    owners: fileOwners,
    file,
  })),
];

const requested = (codeowners: Parameters<typeof consentRequests>[2]) =>
  consentRequests(diff, new Map([['shop', workspace]]), codeowners, () => undefined).map(
    (request) => request.owners,
  );

describe('consent reads ownership as the base revision has it', () => {
  const base = lines({ [APP]: ['@acme/shop'], [SECRET]: ['@acme/vault'] });

  it("asks the secret's owners when the application's owners do not hold it", () => {
    expect(requested({ base, head: base })).toEqual([['@acme/vault']]);
  });

  it('still asks them when the same change makes them co-owners of the application', () => {
    const head = lines({ [APP]: ['@acme/shop', '@acme/vault'], [SECRET]: ['@acme/vault'] });
    expect(requested({ base, head })).toEqual([['@acme/vault']]);
  });

  it('still asks the owners before the change when it hands the secret to the application team', () => {
    const head = lines({ [APP]: ['@acme/shop'], [SECRET]: ['@acme/shop'] });
    expect(requested({ base, head })).toEqual([['@acme/vault']]);
  });

  it('asks nobody when the application team owned the secret before the change too', () => {
    const shared = lines({ [APP]: ['@acme/shop'], [SECRET]: ['@acme/shop'] });
    expect(requested({ base: shared, head: shared })).toEqual([]);
  });

  it('takes the owners of files the change adds from the head', () => {
    const head = lines({ [APP]: ['@acme/shop'], [SECRET]: ['@acme/vault'] });
    expect(requested({ base: lines({}), head })).toEqual([['@acme/vault']]);
  });
});
