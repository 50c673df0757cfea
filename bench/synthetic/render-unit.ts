import type { AppPlan, OrganizationPlan, ProjectPlan } from './plan.ts';
import { ENVIRONMENTS, title } from './words.ts';
import { file, head, list, permissions, type GeneratedFile } from './yaml.ts';

const ENVIRONMENT_PROSE = {
  development: ['Where every change lands first. Scales to zero.', 'INTERVAL_5_MIN', '1.0'],
  staging: ['A production-like rehearsal, refreshed weekly.', 'INTERVAL_1_MIN', '0.5'],
  production: ['Customer traffic. Changes arrive after an approval.', 'INTERVAL_30_SEC', '0.25'],
} as const;

/** A unit, its environments and its release track. */
export function renderUnit(plan: OrganizationPlan, unit: string): GeneratedFile[] {
  const root = `organization/${plan.name}/organizational-unit/${unit}`;
  const parents: [string, string][] = [
    ['organizational-unit', unit],
    ['organization', plan.name],
  ];
  const files = [
    file(`${root}/${unit}.yaml`, [
      ...head('OrganizationalUnit', unit, [['organization', plan.name]]),
      'spec:',
      `  displayName: ${title(unit)}`,
      `  description: The ${unit} product line`,
      ...permissions('  ', {
        administrators: { groups: [`${unit}-admins`] },
        contributors: { groups: [`${unit}-developers`] },
      }),
    ]),
  ];
  for (const environment of ENVIRONMENTS) {
    const [description, interval, sampling] = ENVIRONMENT_PROSE[environment];
    files.push(
      file(`${root}/environment/${environment}/${environment}.yaml`, [
        ...head('Environment', environment, parents),
        'spec:',
        `  displayName: ${title(environment)}`,
        `  description: ${description}`,
        ...(environment === 'production'
          ? [
              '  # Auditors read production; nobody else gains anything here by default.',
              ...permissions('  ', { viewers: { groups: ['security-auditors'] } }),
            ]
          : []),
        '  network:',
        '    logs:',
        `      interval: ${interval}`,
        `      sampling: ${sampling}`,
      ]),
    );
  }
  files.push(
    file(`${root}/release-track/main-track.yaml`, [
      ...head('ReleaseTrack', 'main', [...parents].reverse()),
      'spec:',
      '  description: Development, then staging, then production after an approval',
      '  preReleaseStages:',
      '    - environments:',
      '        - development',
      '    - environments:',
      '        - staging',
      '  releaseStages:',
      '    - environments:',
      '        - production',
      '      approvalPolicy:',
      '        anyOf:',
      '          minApprovals: 1',
      '          policies:',
      '            - stakeholder:',
      `                groupEmail: ${unit}-admins`,
    ]),
  );
  return files;
}

/** The application set of a project, and one application per workload. */
export function renderReleases(plan: OrganizationPlan, project: ProjectPlan): GeneratedFile[] {
  const dir = `organization/${plan.name}/organizational-unit/${project.unit}/release-track/main-track/application-set`;
  const track: [string, string][] = [
    ['release-track', 'main'],
    ['organizational-unit', project.unit],
    ['organization', plan.name],
  ];
  const files = [
    file(`${dir}/${project.name}.yaml`, [
      ...head('ApplicationSet', project.name, track),
      'spec:',
      `  description: The ${title(project.name)} services and apps`,
    ]),
  ];
  for (const app of project.apps) {
    const kind = app.external ? 'ExternalApplication' : 'Application';
    const folder = app.external ? 'external-application' : 'application';
    files.push(
      file(`${dir}/${project.name}/${folder}/${app.name}.yaml`, [
        ...head(kind, app.name, [['application-set', project.name], ...track]),
        'spec:',
        `  description: ${title(project.name)} ${app.role}`,
        `  project: ${project.name}`,
        ...(app.external
          ? [
              '  # Pinned by digest-free tag on purpose: the vendor re-tags only on release.',
              '  image: europe-docker.pkg.dev/harbor-shared/images/otel-collector:0.98.0@sha256:5f0c9a7d2b4e6f8a1c3e5d7b9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2f4a',
            ]
          : [`  buildDefinition: ${app.name}`]),
        '  meshStrategy: SIDECAR',
        '  target: CLOUD_RUN',
        ...accessControl(project, app),
      ]),
    );
  }
  return files;
}

function accessControl(project: ProjectPlan, app: AppPlan): string[] {
  const lines: string[] = [];
  if (app.publishTo.length > 0 || app.subscribeTo.length > 0) {
    lines.push('    # Grants roles/pubsub.publisher or subscriber on the topics of the project.');
    lines.push('    pubsub:');
    if (app.publishTo.length > 0) lines.push(...list('      ', 'publishTo', app.publishTo));
    if (app.subscribeTo.length > 0) lines.push(...list('      ', 'subscribeTo', app.subscribeTo));
  }
  if (app.database) {
    lines.push(
      '    # The engine creates a database user for this application and injects its',
      '    # connection string as DATABASE_URL.',
      '    database:',
      '      name: main',
      `      schema: ${project.name}`,
      '      privileges:',
      '        - ALL',
      '      secretSource:',
      '        envVar: DATABASE_URL',
    );
  }
  if (app.secrets.length > 0) {
    lines.push('    # Values are set out of band in Secret Manager.', '    secrets:');
    for (const secret of app.secrets) {
      lines.push(
        `      ${secret}:`,
        `        envVar: ${secret.toUpperCase().replaceAll('-', '_')}`,
      );
    }
  }
  return lines.length === 0 ? [] : ['  accessControl:', ...lines];
}
