/**
 * One cold measurement of the governance compiler, in a fresh process: `node
 * bench/governance-once.ts <dir>` prints JSON. Validation is not timed here (the validate
 * benchmark does that); what is timed is what the compiler adds on top of it, cold and
 * warm, and an incremental plan after one manifest changes.
 */
import { readRepositoryFiles } from '../shared/adapters/local-repository-files.ts';
import {
  buildPlan,
  compileGovernance,
  compileIncrementally,
} from '../shared/core/governance/build-plan.ts';
import { buildDesiredState } from '../shared/core/governance/desired-state.ts';
import {
  validateRepository,
  type RepositoryFile,
} from '../shared/core/validate/validate-repository.ts';

const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: governance-once.ts <dir>');
const files = readRepositoryFiles(directory, 100_000);
const base = validateRepository(files);
if (base.issues.some((issue) => issue.severity === 'error'))
  throw new Error('the organization has errors');

const time = <T>(work: () => T): [T, number] => {
  const started = performance.now();
  const result = work();
  return [result, performance.now() - started];
};

// Cold: the first compilation in this process.
const [state, graphMs] = time(() => buildDesiredState(base.manifests, undefined, base.index));
const [model, compileMs] = time(() => compileGovernance(state));
// Warm: the best of a few more, as a long-running stage would see it.
let warmMs = Infinity;
for (let i = 0; i < 5; i++)
  warmMs = Math.min(
    warmMs,
    time(() => compileGovernance(buildDesiredState(base.manifests, undefined, base.index)))[1],
  );

// One manifest changes: a project lets one more host out.
const project = files.find(
  (file) =>
    /\/project\/[^/]+\.yaml$/.test(file.path) &&
    new TextDecoder().decode(file.bytes).includes('allowedEgress:'),
);
if (project === undefined) throw new Error('no project with allowedEgress');
const edited: RepositoryFile = {
  path: project.path,
  bytes: new TextEncoder().encode(
    new TextDecoder()
      .decode(project.bytes)
      .replace('allowedEgress:\n', 'allowedEgress:\n    - api.example-partner.com\n'),
  ),
};
const head = validateRepository(files.map((file) => (file.path === project.path ? edited : file)));
const [incremental, incrementalMs] = time(() => {
  const headState = buildDesiredState(head.manifests, state);
  const compiled = compileIncrementally({ state, model }, headState);
  const plan = buildPlan(
    { label: 'base', state, model },
    { label: 'head', state: headState, model: compiled.model },
  );
  return { recompiled: compiled.recompiled.size, planned: plan.workspaces.length };
});

process.stdout.write(
  `${JSON.stringify({
    manifests: base.manifestCount,
    workspaces: state.workspaces.length,
    bindings: [...model.workspaces.values()].reduce(
      (sum, workspace) => sum + workspace.iam.length,
      0,
    ),
    graphMs,
    compileMs,
    coldMs: graphMs + compileMs,
    warmMs,
    incrementalMs,
    ...incremental,
  })}\n`,
);
