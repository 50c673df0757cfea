import { describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import type { WorkspaceModel } from '../../shared/core/governance/governance-model.ts';
import { examplesDirectory } from '../support/corpus.ts';
import { expectGolden } from '../support/golden.ts';

/**
 * The example organization's CODEOWNERS, IAM and network, reviewed once and kept as
 * golden files: any change to what the compiler produces shows up as a diff here. Run
 * with UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
 */
const analysis = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
const workspaces = [...compileWorkspaces(analysis.state).values()];

function golden(name: string, actual: string): void {
  expectGolden(new URL(`../golden/${name}`, import.meta.url), actual);
}

function iam(workspace: WorkspaceModel): string[] {
  return workspace.iam.map(
    (b) => `  ${b.resource}  ${b.role}  ${b.member}  # ${b.cause.file}#${b.cause.pointer}`,
  );
}

function network(workspace: WorkspaceModel): string[] {
  return [
    ...workspace.firewall.map(
      (rule) =>
        `  ${rule.priority} ${rule.direction} ${rule.action} ${rule.name} ${rule.ranges.join(',')} ` +
        rule.protocols.map((p) => p.protocol + (p.ports ? `:${p.ports.join(',')}` : '')).join(' ') +
        (rule.targetServiceAccounts ? ` → ${rule.targetServiceAccounts.join(',')}` : ''),
    ),
    ...workspace.egress.map(
      (entry) =>
        `  egress-proxy allows ${entry.destination}  # ${entry.cause.file}#${entry.cause.pointer}`,
    ),
  ];
}

describe('the example organization, compiled', () => {
  it('validates without errors', () => {
    expect(analysis.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
  });

  it('has the reviewed CODEOWNERS', () => {
    golden('examples.CODEOWNERS', analysis.codeowners.text);
  });

  it('has the reviewed IAM bindings', () => {
    golden(
      'examples.iam.txt',
      workspaces.flatMap((w) => [`# ${w.id}`, ...iam(w)]).join('\n') + '\n',
    );
  });

  it('has the reviewed firewall rules and egress allowlists', () => {
    golden(
      'examples.network.txt',
      workspaces.flatMap((w) => [`# ${w.id}`, ...network(w)]).join('\n') + '\n',
    );
  });

  it('gives every project both deny-all rules, at the lowest priority', () => {
    for (const workspace of workspaces.filter((w) => w.id !== 'organization')) {
      const denies = workspace.firewall
        .filter((rule) => rule.action === 'deny')
        .map((rule) => `${rule.name} ${rule.priority}`);
      expect([workspace.id, denies]).toEqual([
        workspace.id,
        ['deny-all-egress 65535', 'deny-all-ingress 65535'],
      ]);
    }
  });
});
