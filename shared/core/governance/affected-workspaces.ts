import type { DesiredState, GraphNode } from './desired-state.ts';

/**
 * The workspaces a change between two desired states can alter, found from the manifests
 * that differ (in text or path) and what each kind reaches:
 * - the Organization and people feed principals and defaults everywhere: every workspace;
 * - an Application reaches the workspaces it is placed in, before and after;
 * - a ReleaseTrack reaches the workspaces of every application on it, before and after;
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
        break;
      case 'ReleaseTrack':
        for (const instance of state.instances) {
          if (state.nodes.get(instance.application)?.ancestors.includes(node.id) === true)
            affected.add(instance.workspace);
        }
        break;
      default:
        break;
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
