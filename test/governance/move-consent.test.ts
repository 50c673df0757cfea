import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { buildPlan, type Plan } from '../../shared/core/governance/build-plan.ts';
import { formatPlanText } from '../../shared/core/report/format-plan.ts';
import type { RepositoryFile } from '../../shared/core/validate/validate-repository.ts';
import { editedOrganization, group, type Edit } from '../support/base-organization.ts';

const STAGING = 'payments/staging/shop';
const PRODUCTION = 'payments/production/shop';
const PLATFORM = '@acme-corp/platform';
const STAGING_TEAM = '@acme-corp/staging-team';
const PRODUCTION_TEAM = '@acme-corp/production-team';

/** Each environment owned by a team of its own, besides the platform team above them. */
const teams: Edit[] = [
  group('staging-team'),
  group('production-team'),
  ...['staging', 'production'].map((environment) => ({
    file: `payments/${environment}/environment.yaml`,
    append: `  permissions:\n    contributors:\n      groups:\n        - ${environment}-team\n`,
  })),
];

/** A Secret nothing refers to, free to move. */
const secret = (
  path: string,
  environment: string,
  name = 'extra',
  extra = '',
): Edit & { content: string } => ({
  file: path,
  content: `apiVersion: lowops.manifests.v1
kind: Secret
metadata:
  name: ${name}
  project: shop
  environment: ${environment}
  organizational-unit: payments
  organization: acme
spec:
  description: An extra secret
${extra}`,
});

function plan(base: readonly RepositoryFile[], head: readonly RepositoryFile[]): Plan {
  const analyze = (files: readonly RepositoryFile[]) => {
    const analysis = analyzeRepository(files);
    expect(analysis.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
    return analysis.state;
  };
  return buildPlan(
    { label: 'base', state: analyze(base) },
    { label: 'head', state: analyze(head) },
  );
}

const organization = (...edits: Edit[]) => editedOrganization(...teams, ...edits);
const without = (files: readonly RepositoryFile[], path: string) =>
  files.filter((file) => file.path !== path);

describe('consent on moves', () => {
  it('asks the owners of production when a staging file moves its manifest there', () => {
    const base = organization(secret(`${STAGING}/extra.yaml`, 'staging'));
    const head = organization(secret(`${STAGING}/extra.yaml`, 'production'));
    expect(plan(base, head).consent).toEqual([
      {
        workspace: 'payments.production.shop',
        edge: 'Secret:acme/payments/staging/shop/extra → Secret:acme/payments/production/shop/extra',
        requestedBy: `${STAGING}/extra.yaml`,
        target: `${PRODUCTION}/project.yaml`,
        owners: [PLATFORM, PRODUCTION_TEAM],
        reason: 'moves Secret extra from environment staging to production',
      },
    ]);
  });

  it('asks them when the file is renamed into production in the same change', () => {
    const base = organization(secret(`${STAGING}/extra.yaml`, 'staging'));
    const head = without(
      organization(secret(`${PRODUCTION}/extra.yaml`, 'production')),
      `${STAGING}/extra.yaml`,
    );
    const [request, ...others] = plan(base, head).consent;
    expect(others).toEqual([]);
    expect(request).toMatchObject({
      workspace: 'payments.production.shop',
      requestedBy: `${PRODUCTION}/extra.yaml`,
      owners: [PLATFORM, PRODUCTION_TEAM],
      reason: `moves Secret extra from environment staging to production and from file ${STAGING}/extra.yaml to ${PRODUCTION}/extra.yaml`,
    });
  });

  it('asks them when a staging file is written over with a production manifest', () => {
    const base = organization(secret(`${STAGING}/extra.yaml`, 'staging'));
    const head = organization(secret(`${STAGING}/extra.yaml`, 'production', 'other'));
    expect(plan(base, head).consent).toMatchObject([
      {
        edge: 'Secret:acme/payments/staging/shop/extra → Secret:acme/payments/production/shop/other',
        requestedBy: `${STAGING}/extra.yaml`,
        owners: [PLATFORM, PRODUCTION_TEAM],
        reason:
          'puts Secret other (project shop, environment production) in place of Secret extra (project shop, environment staging)',
      },
    ]);
  });

  it('asks the owners of staging when production moves a manifest down to them', () => {
    const base = organization(secret(`${PRODUCTION}/extra.yaml`, 'production'));
    const head = organization(secret(`${PRODUCTION}/extra.yaml`, 'staging'));
    expect(plan(base, head).consent).toMatchObject([
      {
        workspace: 'payments.staging.shop',
        owners: [PLATFORM, STAGING_TEAM],
        reason: 'moves Secret extra from environment production to staging',
      },
    ]);
  });

  it('asks nobody who owns the file already', () => {
    const owned = `  permissions:\n    administrators:\n      groups:\n        - production-team\n`;
    const base = organization(secret(`${STAGING}/extra.yaml`, 'staging', 'extra', owned));
    const head = organization(secret(`${STAGING}/extra.yaml`, 'production', 'extra', owned));
    expect(plan(base, head).consent).toEqual([]);
  });

  it('asks nobody for a rename in the same scope, nor for a deletion, which CODEOWNERS asks for', () => {
    const base = organization(secret(`${PRODUCTION}/extra.yaml`, 'production'));
    const renamed = without(
      organization(secret(`${PRODUCTION}/secrets/extra.yaml`, 'production')),
      `${PRODUCTION}/extra.yaml`,
    );
    const renaming = plan(base, renamed);
    expect(renaming.codeowners.add).toEqual([
      `${PRODUCTION}/secrets/extra.yaml ${PLATFORM} ${PRODUCTION_TEAM}`,
    ]);
    expect(renaming.consent).toEqual([]);
    const deleting = plan(base, without(base, `${PRODUCTION}/extra.yaml`));
    expect(deleting.summary.destroy).toBe(1);
    expect(deleting.consent).toEqual([]);
  });

  it('shows a move in the consent list of the text plan', () => {
    const base = organization(secret(`${STAGING}/extra.yaml`, 'staging'));
    const head = organization(secret(`${STAGING}/extra.yaml`, 'production'));
    const lines = formatPlanText(plan(base, head), { color: false }).split('\n');
    const header = lines.indexOf('# Consent needed: this change reaches what other people own');
    expect(lines.slice(header + 1, header + 4)).toEqual([
      '  ? Secret:acme/payments/staging/shop/extra → Secret:acme/payments/production/shop/extra  (payments.production.shop)',
      `      ${STAGING}/extra.yaml moves Secret extra from environment staging to production`,
      `      approval from ${PLATFORM} ${PRODUCTION_TEAM}  (owners of ${PRODUCTION}/project.yaml)`,
    ]);
  });
});
