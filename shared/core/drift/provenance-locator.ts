import type { DesiredState, GraphNode } from '../governance/desired-state.ts';
import type { Provenance } from '../governance/governance-model.ts';
import { locate } from '../parse/source-document.ts';
import type { ManifestLocation } from './drift-finding.ts';

/**
 * Where a manifest entry is written: the provenance's file and JSON pointer traced to a
 * line and column in the parsed file the desired state keeps. Undefined for a file the
 * state does not hold.
 */
export function provenanceLocator(
  state: DesiredState,
): (cause: Provenance) => ManifestLocation | undefined {
  const sources = new Map<string, GraphNode>();
  for (const node of state.nodes.values())
    if (!sources.has(node.file)) sources.set(node.file, node);
  return (cause) => {
    const node = sources.get(cause.file);
    if (node === undefined) return undefined;
    const { file, line, column } = locate(node.source, cause.pointer);
    return { file, line, column };
  };
}
