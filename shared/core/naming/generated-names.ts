import { compileWorkspaces } from '../governance/compile-workspaces.ts';
import type { DesiredState } from '../governance/desired-state.ts';
import { declaredAddresses } from './declared-addresses.ts';
import type { GeneratedName } from './generated-name.ts';
import { renderedNames } from './rendered-names.ts';

/**
 * Every identifier a repository's desired state generates, with the declaration that
 * causes it: the model address of everything each manifest declares, and every name the
 * renderer writes for each compiled workspace, from the functions it writes them with.
 */
export function listGeneratedNames(state: DesiredState): GeneratedName[] {
  const names = declaredAddresses(state);
  for (const workspace of compileWorkspaces(state).values())
    for (const name of renderedNames(workspace)) names.push(name);
  return names;
}
