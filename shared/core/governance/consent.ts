import { compareStrings } from '../issues/issue.ts';
import type { CodeownersLine } from './codeowners.ts';
import type { ModelResource, WorkspaceModel } from './governance-model.ts';
import { workloadRoles } from './iam-roles.ts';
import type { ModelDiff } from './plan.ts';

/** An added access edge whose target belongs to other people than the file that adds it. */
export interface ConsentRequest {
  readonly workspace: string;
  /** What gains access to what, such as `serviceAccount:api → secret.stripe-key`. */
  readonly edge: string;
  /** The file whose change adds the edge. */
  readonly requestedBy: string;
  /** The file that declares the target. */
  readonly target: string;
  /** Who must approve: the target's owners. */
  readonly owners: readonly string[];
  readonly reason: string;
}

/**
 * Separation of duties beyond what CODEOWNERS can express: CODEOWNERS asks the owners of
 * the files a change touches, but an application that names someone else's secret touches
 * only its own file. For every access edge the plan adds (an application to a secret,
 * database or topic; a route or push subscription to a service; an application placed in
 * a project; a group let through IAP), the owners of the target must approve when they
 * are not all owners of the file that adds it.
 */
export function consentRequests(
  diff: ModelDiff,
  head: ReadonlyMap<string, WorkspaceModel>,
  codeowners: readonly CodeownersLine[],
  subjectFile: (id: string) => string | undefined,
): ConsentRequest[] {
  const fallback = codeowners.find((line) => line.file === undefined)?.owners ?? [];
  // Most plans add no access edge: the owners of every file are gathered when one does.
  let ownersByFile: ReadonlyMap<string, readonly string[]> | undefined;
  const ownersOf = (file: string) => {
    ownersByFile ??= new Map(
      codeowners.flatMap((line) =>
        line.file === undefined ? [] : [[line.file, line.owners] as const],
      ),
    );
    return ownersByFile.get(file) ?? fallback;
  };
  const requests = new Map<string, ConsentRequest>();

  const need = (
    workspace: string,
    edge: string,
    requestedBy: string,
    target: string | undefined,
    reason: string,
  ) => {
    if (target === undefined || target === requestedBy) return;
    const requester = new Set(ownersOf(requestedBy));
    const owners = ownersOf(target);
    if (owners.every((owner) => requester.has(owner))) return;
    const key = `${requestedBy} ${target} ${edge}`;
    if (!requests.has(key))
      requests.set(key, { workspace, edge, requestedBy, target, owners, reason });
  };

  for (const plan of diff.workspaces) {
    const resources = new Map<string, ModelResource>(
      (head.get(plan.id)?.resources ?? []).map((resource) => [resource.address, resource]),
    );
    const fileOf = (address: string) => resources.get(address)?.cause.file;
    for (const binding of plan.iam.add) {
      const edge = `${binding.member} → ${binding.resource}`;
      if (binding.role === workloadRoles.iapAccessor) {
        const group = binding.subject && subjectFile(binding.subject);
        need(
          plan.id,
          edge,
          binding.cause.file,
          group,
          `lets the members of ${binding.member} through Identity-Aware Proxy; the group's owners decide who they are`,
        );
      } else if (binding.role === workloadRoles.invoker) {
        need(
          plan.id,
          edge,
          binding.cause.file,
          fileOf(binding.resource),
          `sends traffic to ${binding.resource}, which its owners run`,
        );
      } else if (
        binding.subject !== undefined &&
        (binding.role === workloadRoles.secretAccessor || binding.role === workloadRoles.publisher)
      ) {
        need(
          plan.id,
          edge,
          binding.cause.file,
          fileOf(binding.resource),
          `grants ${binding.role} on ${binding.resource}, which its owners hold`,
        );
      }
    }
    for (const created of plan.create) {
      const resource = resources.get(created.address);
      if (resource?.type === 'alloydb_user') {
        const cluster = resource.attributes['cluster'] as string;
        need(
          plan.id,
          `${resource.attributes['member'] as string} → ${cluster}`,
          resource.cause.file,
          fileOf(cluster),
          `creates a database user with ${JSON.stringify(resource.attributes['privileges'])} on ${cluster}`,
        );
      } else if (resource?.type === 'cloud_run_service') {
        const identity = `service_account.${created.address.slice('cloud_run_service.'.length)}`;
        const application = resources.get(identity)?.cause.file;
        const project = [...resources.values()].find((candidate) => candidate.type === 'project');
        if (application !== undefined)
          need(
            plan.id,
            `${identity} → ${project?.address ?? plan.id}`,
            application,
            project?.cause.file,
            `places an application in ${project?.address ?? plan.id}, which its owners run`,
          );
      }
    }
  }
  return [...requests.values()].sort(
    (a, b) =>
      compareStrings(a.workspace, b.workspace) ||
      compareStrings(a.requestedBy, b.requestedBy) ||
      compareStrings(a.edge, b.edge),
  );
}
