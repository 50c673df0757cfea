import { createIssue, type Issue, type IssueLocation } from '../issues/issue.ts';
import { locate } from '../parse/source-document.ts';
import type { DesiredState, GraphNode } from './desired-state.ts';
import type { ResourceChange, WorkspacePlan } from './plan.ts';

/**
 * The model resources that hold data, with what is lost when Terraform destroys one. Every
 * bucket counts, since a plan cannot know whether it holds objects, and every topic, since
 * each is rendered with a message retention.
 */
export const dataBearingTypes: Readonly<Record<string, string>> = {
  alloydb_cluster: 'the database cluster, its data and its backups',
  bucket: 'every object in the bucket',
  pubsub_topic: 'the messages retained on the topic',
  secret: 'every version of the secret',
};

const ALLOWANCE = 'spec.lifecycle.allowReplacement';

/**
 * The plan's refusals of data loss: every data-bearing resource a change replaces, unless
 * its declaration in the head revision allows it, and every one it destroys, unless its
 * declaration in the base revision allowed it (a revision applied before the one that
 * removes it). Each is located at the manifest entry whose change causes it.
 */
export function dataLossIssues(
  workspaces: readonly WorkspacePlan[],
  base: DesiredState,
  head: DesiredState,
): Issue[] {
  const issues: Issue[] = [];
  const declarations = { base: byFile(base), head: byFile(head) };
  for (const workspace of workspaces) {
    for (const change of workspace.replace) {
      const lost = lostBy(change);
      if (lost === undefined) continue;
      const node = declarations.head().get(change.cause.file);
      const declared = node === undefined ? undefined : locate(node.source, '/metadata/name');
      for (const forced of change.forcedBy ?? []) {
        const before = change.changes?.find((item) => item.path === forced.path);
        const fixed = Object.entries(forced.resources)
          .map(([resource, attribute]) => `${resource} ${attribute}`)
          .join(', ');
        issues.push(
          createIssue(
            'lifecycle/replaces-data',
            causeOf(forced.path, node, base, head) ?? declared ?? fileStart(change),
            `${forced.path} ${JSON.stringify(before?.before ?? null)} → ${JSON.stringify(before?.after ?? null)} replaces ${change.address} of ${workspace.id} (the ${forced.module} module's ${fixed}, fixed when it is created): Terraform destroys ${lost} and creates it empty; expected ${ALLOWANCE}: <reason> on its declaration, found none`,
            declared === undefined
              ? undefined
              : [
                  {
                    ...declared,
                    message: `the declaration of ${change.address}, which may allow it`,
                  },
                ],
          ),
        );
      }
    }
    for (const change of workspace.destroy) {
      const lost = lostBy(change);
      if (lost === undefined) continue;
      const node = declarations.base().get(change.cause.file);
      issues.push(
        createIssue(
          'lifecycle/destroys-data',
          node === undefined ? fileStart(change) : locate(node.source, '/metadata/name'),
          `removing this declaration destroys ${change.address} of ${workspace.id} and with it ${lost}; expected a revision applied before this one to allow it (${ALLOWANCE}: <reason>), found none`,
        ),
      );
    }
  }
  return issues;
}

/** What a change loses, or undefined when the resource holds no data or the loss is allowed. */
function lostBy(change: ResourceChange): string | undefined {
  if (change.allowedBecause !== undefined) return undefined;
  return Object.hasOwn(dataBearingTypes, change.type) ? dataBearingTypes[change.type] : undefined;
}

/** The declarations of a revision by their file, built the first time they are needed. */
function byFile(state: DesiredState): () => ReadonlyMap<string, GraphNode> {
  let files: Map<string, GraphNode> | undefined;
  return () => {
    if (files === undefined) {
      files = new Map();
      for (const node of state.nodes.values()) files.set(node.file, node);
    }
    return files;
  };
}

/**
 * Where the change of an attribute is written. A region is the project's (`spec.region`)
 * or, when neither revision of the project sets one, the organization's `defaultRegion`.
 */
function causeOf(
  path: string,
  node: GraphNode | undefined,
  base: DesiredState,
  head: DesiredState,
): IssueLocation | undefined {
  if (node === undefined || path !== 'region') return undefined;
  if (node.manifest.kind === 'PublicIngress' && node.manifest.spec.region !== undefined)
    return locate(node.source, '/spec/region');
  const projectId = node.ancestors.find((ancestor) => ancestor.startsWith('Project:'));
  const project = projectId === undefined ? undefined : head.nodes.get(projectId);
  const regionOf = (state: DesiredState) => {
    const manifest = projectId === undefined ? undefined : state.nodes.get(projectId)?.manifest;
    return manifest?.kind === 'Project' ? manifest.spec.region : undefined;
  };
  if (project !== undefined && (regionOf(head) ?? regionOf(base)) !== undefined)
    return locate(project.source, '/spec/region');
  const organization = head.organization;
  return organization === undefined
    ? undefined
    : locate(organization.source, '/spec/defaultRegion');
}

/** The start of the file that declares a change, when its declaration cannot be found. */
function fileStart(change: ResourceChange): IssueLocation {
  return { file: change.cause.file, pointer: change.cause.pointer, line: 1, column: 1 };
}
