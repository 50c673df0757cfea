import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../shared/core/plan-guard/check-plan.ts';
import { ALLOWED_REPLACEMENTS_OUTPUT } from '../../shared/core/render/allowed-replacements.ts';

/** The data-bearing resource of each data-bearing module, as the module declares it. */
const dataBearing = [
  ['alloydb', 'google_alloydb_cluster'],
  ['bucket', 'google_storage_bucket'],
  ['secret', 'google_secret_manager_secret'],
  ['pubsub-topic', 'google_pubsub_topic'],
] as const;

const deleting = [
  ['destroys', ['delete']],
  ['replaces', ['delete', 'create']],
  ['replaces', ['create', 'delete']],
] as const;

const allowed = (call: string) => ({ [call]: 'moving with the VPN; restored from backup' });

/**
 * A saved plan, in the shape `terraform show -json` prints it, in which a call `data` of
 * `module` changes one resource; the rendered root's output of allowances in the
 * configuration or in the prior state, as terraform prints them.
 */
function planOf(
  module: string,
  type: string,
  actions: readonly string[],
  where: { configuration?: object; priorState?: object; calls?: Record<string, string> } = {},
) {
  const calls = where.calls ?? { data: module };
  return {
    format_version: '1.2',
    planned_values: { root_module: {} },
    resource_changes: [
      {
        address: `module.data.${type}.this`,
        module_address: 'module.data',
        mode: 'managed',
        type,
        name: 'this',
        change: { actions, before: {}, after: actions.includes('create') ? {} : null },
      },
    ],
    ...(where.priorState === undefined
      ? {}
      : {
          prior_state: {
            values: {
              outputs: {
                [ALLOWED_REPLACEMENTS_OUTPUT]: { sensitive: false, value: where.priorState },
              },
            },
          },
        }),
    configuration: {
      root_module: {
        module_calls: Object.fromEntries(
          Object.entries(calls).map(([call, source]) => [
            call,
            { source: `../../terraform-modules/${source}` },
          ]),
        ),
        ...(where.configuration === undefined
          ? {}
          : {
              outputs: {
                [ALLOWED_REPLACEMENTS_OUTPUT]: {
                  expression: { constant_value: where.configuration },
                },
              },
            }),
      },
    },
  };
}

const findings = (plan: unknown) =>
  checkPlan(plan)
    .issues.filter((issue) => issue.rule === 'plan/protected-destroy')
    .map((issue) => `${issue.severity}: ${issue.message}`);

describe.each(dataBearing)('the plan guard, for a %s call', (module, type) => {
  it.each(deleting)(
    `refuses a plan that %s its ${type} (%j) without an allowance`,
    (what, actions) => {
      expect(findings(planOf(module, type, actions))).toEqual([
        expect.stringMatching(new RegExp(`^error: the plan ${what} this ${type}, losing `)),
      ]);
    },
  );

  it.each(deleting)(
    `lets a plan that %s its ${type} (%j) through, as a warning, when the rendered root allows the call`,
    (what, actions) => {
      expect(
        findings(planOf(module, type, actions, { configuration: allowed('module.data') })),
      ).toEqual([
        expect.stringMatching(
          new RegExp(
            `^warning: the plan ${what} this ${type}, losing .*; its declaration allows it: moving with the VPN; restored from backup$`,
          ),
        ),
      ]);
    },
  );

  it(`lets a plan destroy its ${type} when the state applied before allowed the call`, () => {
    expect(
      findings(planOf(module, type, ['delete'], { priorState: allowed('module.data') })),
    ).toEqual([expect.stringMatching(/^warning: .*its declaration allows it/)]);
  });

  it.each(deleting.filter(([what]) => what === 'replaces'))(
    `refuses a plan that %s its ${type} (%j) on an allowance only the state applied before holds`,
    (what, actions) => {
      expect(
        findings(planOf(module, type, actions, { priorState: allowed('module.data') })),
      ).toEqual([
        expect.stringMatching(new RegExp(`^error: the plan ${what} this ${type}, losing `)),
      ]);
    },
  );

  it(`refuses when the allowance names another call`, () => {
    expect(
      findings(
        planOf(module, type, ['delete', 'create'], {
          configuration: allowed('module.data_other'),
          priorState: allowed('module.data["x"]'),
        }),
      ),
    ).toEqual([expect.stringMatching(/^error: /)]);
  });
});

describe('the plan guard, for allowances it does not honour', () => {
  it('refuses a call of a module that holds no declared data, whatever the output says', () => {
    expect(
      findings(
        planOf('project', 'google_project', ['delete'], { configuration: allowed('module.data') }),
      ),
    ).toEqual([expect.stringMatching(/^error: the plan destroys this google_project/)]);
  });

  it('refuses a data-bearing type in a call from outside terraform-modules/', () => {
    const plan = planOf('bucket', 'google_storage_bucket', ['delete'], {
      configuration: allowed('module.data'),
    });
    plan.configuration.root_module.module_calls = {
      data: { source: 'git::https://example.com/modules.git//bucket' },
    };
    expect(findings(plan)).toEqual([expect.stringMatching(/^error: /)]);
  });

  it('ignores an allowance that is not a map of reasons', () => {
    expect(
      findings(
        planOf('bucket', 'google_storage_bucket', ['delete'], {
          configuration: ['module.data'],
          priorState: { 'module.data': true },
        }),
      ),
    ).toEqual([expect.stringMatching(/^error: /)]);
  });
});
