import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { buildPlan, compileGovernance } from '../../shared/core/governance/build-plan.ts';
import { EMPTY_DESIRED_STATE } from '../../shared/core/governance/desired-state.ts';
import { formatPlanText } from '../../shared/core/report/format-plan.ts';
import { editedOrganization } from '../support/base-organization.ts';

/** The base organization planned against nothing: every workspace created. */
function firstPlan() {
  const { state } = analyzeRepository(editedOrganization());
  return buildPlan(
    { label: null, state: EMPTY_DESIRED_STATE },
    { label: 'head', state, model: compileGovernance(state) },
  );
}

describe('formatPlanText', () => {
  const plan = firstPlan();
  const full = formatPlanText(plan, { color: false });
  const headers = (text: string) =>
    text.split('\n').filter((line) => line.startsWith('# workspace '));

  it('shows every workspace, then the summary', () => {
    expect(plan.workspaces.length).toBeGreaterThan(2);
    expect(headers(full)).toHaveLength(plan.workspaces.length);
    expect(full).not.toContain('not shown');
    expect(full.trimEnd().split('\n').at(-1)).toMatch(/^Plan: \d+ to create/);
  });

  it('shows only the workspaces that fit a size, says how many it left out, and keeps the summary', () => {
    const [first, second] = full.split('\n\n# workspace ');
    const room = (first?.length ?? 0) + (second?.length ?? 0);
    const cut = formatPlanText(plan, { color: false, maxWorkspaceLength: room });
    const shown = headers(cut);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(plan.workspaces.length);
    expect(shown).toEqual(headers(full).slice(0, shown.length));
    expect(cut).toContain(
      `# … ${plan.workspaces.length - shown.length} more workspaces not shown (too large); the summary counts them`,
    );
    expect(cut.trimEnd().split('\n').at(-1)).toBe(full.trimEnd().split('\n').at(-1));
    expect(cut.length).toBeLessThan(full.length);
  });
});
