import { consentApprovers } from '../governance/consent-approvers.ts';
import type { DesiredState } from '../governance/desired-state.ts';
import { compareStrings } from '../issues/issue.ts';

/** Who must approve a stage before its workspaces apply. */
export interface StageApproval {
  readonly minApprovals: number;
  /** The stakeholder groups the policy names. */
  readonly groups: readonly string[];
  /** The GitHub logins, lowercase, of those groups' users (and of the groups below them). */
  readonly approvers: readonly string[];
}

/** One stage of a release track, with the revision's workspaces it holds. */
export interface ReleaseStage {
  /** The track's manifest id. */
  readonly track: string;
  /** The track's name, for people. */
  readonly trackName: string;
  /** 1-based position in the track's order, pre-release stages first. */
  readonly position: number;
  readonly environments: readonly string[];
  /** The revision's workspaces in those environments of the track's unit, sorted. */
  readonly workspaces: readonly string[];
  readonly approval?: StageApproval;
}

/** How a stage is named in messages, the apply check and `infrastream release`. */
export function stageLabel(stage: Pick<ReleaseStage, 'trackName' | 'position'>): string {
  return `${stage.trackName}/${stage.position}`;
}

/**
 * The release tracks' stages over `workspaces` (those a revision builds): each track of a
 * unit orders that unit's project workspaces by the environments of its pre-release stages,
 * then of its release stages. Hotfix stages describe how a release tag skips stages; the
 * default branch's revisions always go through the whole order. An environment that two
 * stages of one track name belongs to the first. Stages without a workspace of the revision
 * are left out; approvers are read from the revision's own people and groups.
 */
export function releaseStages(state: DesiredState, workspaces: readonly string[]): ReleaseStage[] {
  const wanted = new Set(workspaces);
  // `<unit>.<environment>` → the revision's project workspaces there.
  const byPlace = new Map<string, string[]>();
  for (const node of state.nodes.values()) {
    const manifest = node.manifest;
    if (manifest.kind !== 'Project' || !wanted.has(node.workspace)) continue;
    const place = `${manifest.metadata['organizational-unit']}.${manifest.metadata.environment}`;
    const found = byPlace.get(place);
    if (found === undefined) byPlace.set(place, [node.workspace]);
    else if (!found.includes(node.workspace)) found.push(node.workspace);
  }
  const organization = state.organization?.manifest;
  const githubOrganization =
    organization?.kind === 'Organization' ? organization.spec.github?.organization : undefined;
  const approvers = consentApprovers(state);
  const stages: ReleaseStage[] = [];
  for (const node of state.nodes.values()) {
    const track = node.manifest;
    if (track.kind !== 'ReleaseTrack') continue;
    const unit = track.metadata['organizational-unit'];
    const seen = new Set<string>();
    const ordered = [...(track.spec.preReleaseStages ?? []), ...(track.spec.releaseStages ?? [])];
    ordered.forEach((stage, index) => {
      const environments = stage.environments.filter((environment) => !seen.has(environment));
      for (const environment of environments) seen.add(environment);
      const held = environments
        .flatMap((environment) => byPlace.get(`${unit}.${environment}`) ?? [])
        .sort(compareStrings);
      if (held.length === 0) return;
      const policy = stage.approvalPolicy?.anyOf;
      const groups = policy?.policies.map((entry) => entry.stakeholder.groupEmail) ?? [];
      stages.push({
        track: node.id,
        trackName: node.name,
        position: index + 1,
        environments,
        workspaces: held,
        ...(policy === undefined
          ? {}
          : {
              approval: {
                minApprovals: policy.minApprovals,
                groups,
                approvers: [
                  ...new Set(
                    githubOrganization === undefined
                      ? []
                      : groups.flatMap((group) => [
                          ...approvers(`@${githubOrganization}/${group}`),
                        ]),
                  ),
                ].sort(compareStrings),
              },
            }),
      });
    });
  }
  return stages;
}
