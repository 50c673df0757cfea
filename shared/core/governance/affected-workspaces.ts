import type { DesiredState, GraphNode } from './desired-state.ts';
import { projectScope } from '../naming/cloud-names.ts';

/**
 * The workspaces a change between two desired states can alter, found from the manifests
 * that differ (in text or path) and what each kind reaches:
 * - the Organization and people feed principals and defaults everywhere: every workspace;
 * - an Application reaches the workspaces it is placed in and those of the applications
 *   it calls (whose invokers it is), before and after;
 * - a ReleaseTrack reaches the workspaces of every application on it and of the
 *   applications they call, before and after;
 * - anything else reaches its own workspace.
 */
export function affectedWorkspaces(base: DesiredState, head: DesiredState): Set<string> {
  const affected = new Set<string>();
  const everything = () => {
    for (const id of [...base.workspaces, ...head.workspaces]) affected.add(id);
  };
  const reach = (state: DesiredState, node: GraphNode) => {
    affected.add(node.workspace);
    switch (node.kind) {
      case 'Organization':
      case 'OrganizationUser':
        everything();
        break;
      case 'Application':
      case 'ExternalApplication':
        for (const instance of state.instances)
          if (instance.application === node.id) affected.add(instance.workspace);
        reachCallees(state, node);
        break;
      case 'ReleaseTrack':
        for (const instance of state.instances) {
          const application = state.nodes.get(instance.application);
          if (application?.ancestors.includes(node.id) === true) {
            affected.add(instance.workspace);
            reachCallees(state, application);
          }
        }
        break;
      default:
        break;
    }
  };
  const reachCallees = (state: DesiredState, caller: GraphNode) => {
    const m = caller.manifest;
    if (m.kind !== 'Application' && m.kind !== 'ExternalApplication') return;
    const calls = new Set(m.spec.accessControl?.calls ?? []);
    if (calls.size === 0) return;
    for (const instance of state.instances) {
      if (projectScope(instance.workspace).unit !== m.metadata['organizational-unit']) continue;
      if (calls.has(state.nodes.get(instance.application)?.name ?? ''))
        affected.add(instance.workspace);
    }
  };
  let inBoth = 0;
  for (const [id, before] of base.nodes) {
    const after = head.nodes.get(id);
    if (after !== undefined) inBoth++;
    // A node the head's graph took over from the base's is unchanged: no need to compare texts.
    if (
      after === before ||
      (after !== undefined &&
        after.file === before.file &&
        after.source.text === before.source.text)
    )
      continue;
    reach(base, before);
    if (after !== undefined) reach(head, after);
  }
  // When every node of the head was in the base, none is new.
  if (inBoth < head.nodes.size) {
    for (const [id, after] of head.nodes) if (!base.nodes.has(id)) reach(head, after);
  }
  return affected;
}
