/**
 * Derives one organizational unit: its environments, its projects in each of them, and
 * its release tracks with their application sets and placed applications.
 */
import type { UnitBlueprint } from './blueprint.ts';
import { accessControl, withPermissions } from './grants.ts';
import {
  choose,
  chooseOne,
  References,
  type OrganizationBuilder,
  type People,
  type ProjectInstance,
  type Target,
} from './organization-builder.ts';
import { deriveProject } from './project-resources.ts';
import type { Spec } from './spec-fields.ts';

export function deriveUnit(
  org: OrganizationBuilder,
  unit: UnitBlueprint,
  context: { organization: string; people: People; builds: readonly Target[] },
): void {
  const { organization, people } = context;
  const inUnit = { 'organizational-unit': unit.name, organization };
  org.add('OrganizationalUnit', { name: unit.name, organization }, (refs) => ({
    ...unit.free,
    ...withPermissions(unit.permissions, people, refs),
  }));

  const environments = unit.environments.map((environment) =>
    org.add('Environment', { name: environment.name, ...inUnit }, (refs) => ({
      ...environment.free,
      ...withPermissions(environment.permissions, people, refs),
    })),
  );

  /** instances[e][p]: project p of the unit in environment e, when it exists there. */
  const instances = unit.environments.map((environment, e) => {
    const present = unit.projects.map((project) => project.present[e] === true);
    if (!present.includes(true)) present[0] = true;
    return unit.projects.map((project, p) =>
      present[p]
        ? deriveProject(org, project, { environment: environment.name, e, inUnit, people })
        : undefined,
    );
  });

  // One application per DeploymentConfig name in a unit: it is that application's runtime.
  const usedNames = new Set<string>();
  for (const track of unit.tracks) {
    const lists: [
      NonNullable<Spec<'ReleaseTrack'>['preReleaseStages']>,
      NonNullable<Spec<'ReleaseTrack'>['releaseStages']>,
      NonNullable<Spec<'ReleaseTrack'>['hotfixStages']>,
    ] = [[], [], []];
    const deployed = new Set<number>();
    const trackTarget = org.add('ReleaseTrack', { name: track.name, ...inUnit }, (refs) => {
      const counts = [0, 0, 0];
      for (const stage of track.stages) {
        const list = ['preReleaseStages', 'releaseStages', 'hotfixStages'][stage.list] as string;
        const stageRefs = refs.at(list, counts[stage.list] ?? 0);
        counts[stage.list] = (counts[stage.list] ?? 0) + 1;
        const chosen = choose(
          stage.environments,
          environments.map((_, e) => e),
        );
        for (const e of chosen) deployed.add(e);
        const names = chosen.map((e, i) =>
          stageRefs.at('environments', i).name(environments[e] as Target),
        );
        const approval = stage.approval;
        lists[stage.list].push({
          environments: names,
          ...(approval && {
            approvalPolicy: {
              anyOf: {
                minApprovals: approval.minApprovals,
                policies: approval.stakeholders.map((stakeholder, i) => {
                  const group =
                    typeof stakeholder === 'number'
                      ? chooseOne(stakeholder, people.groups)
                      : undefined;
                  const groupEmail =
                    group === undefined
                      ? typeof stakeholder === 'string'
                        ? stakeholder
                        : `approvers@${organization}.example.com`
                      : stageRefs
                          .at('approvalPolicy', 'anyOf', 'policies', i, 'stakeholder', 'groupEmail')
                          .name(group);
                  return { stakeholder: { groupEmail } };
                }),
              },
            },
          }),
        });
      }
      return {
        ...(track.description !== undefined && { description: track.description }),
        ...(lists[0].length > 0 && { preReleaseStages: lists[0] }),
        ...(lists[1].length > 0 && { releaseStages: lists[1] }),
        ...(lists[2].length > 0 && { hotfixStages: lists[2] }),
      };
    });
    const inTrack = { 'release-track': trackTarget.name, ...inUnit };

    // Where applications of this track can go: a project in every environment it deploys
    // to, with a DeploymentConfig of the application's name in each.
    const places = [...deployed].map((e) => instances[e] ?? []);
    const candidates: { p: number; deployment: string }[] = [];
    unit.projects.forEach((project, p) => {
      if (places.some((place) => place[p] === undefined)) return;
      for (const deployment of project.deployments) {
        if (places.every((place) => place[p]?.deployments.has(deployment.name))) {
          candidates.push({ p, deployment: deployment.name });
        }
      }
    });

    for (const set of track.sets) {
      org.add('ApplicationSet', { name: set.name, ...inTrack }, () =>
        set.description === undefined ? {} : { description: set.description },
      );
      for (const application of set.applications) {
        const candidate = chooseOne(application.placement, candidates);
        if (candidate === undefined || usedNames.has(candidate.deployment)) continue;
        usedNames.add(candidate.deployment);
        const here = places.map((place) => place[candidate.p] as ProjectInstance);
        const first = here[0];
        if (first === undefined) continue;
        const metadata = { name: candidate.deployment, 'application-set': set.name, ...inTrack };
        const spec = (refs: References) => {
          // The application's own name designates its DeploymentConfig in each environment.
          const own = new References(refs.list, ['metadata', 'name']);
          for (const instance of here) {
            own.also(instance.deployments.get(candidate.deployment) as Target);
          }
          const project = refs.at('project').name(first.project);
          for (const instance of here.slice(1)) refs.at('project').also(instance.project);
          return {
            ...application.free,
            project,
            ...(application.access && {
              accessControl: accessControl(application.access, here, refs.at('accessControl')),
            }),
          };
        };
        const build = chooseOne(application.buildDefinition, context.builds);
        if (application.external || build === undefined) {
          org.add('ExternalApplication', metadata, (refs) => ({
            ...spec(refs),
            image: application.image,
          }));
        } else {
          org.add('Application', metadata, (refs) => ({
            ...spec(refs),
            buildDefinition: refs.at('buildDefinition').name(build),
          }));
        }
      }
    }
  }
}
