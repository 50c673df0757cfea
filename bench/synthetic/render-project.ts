import type { AppPlan, OrganizationPlan, ProjectPlan } from './plan.ts';
import { renderIngress } from './render-ingress.ts';
import { title } from './words.ts';
import { file, head, list, permissions, type GeneratedFile } from './yaml.ts';

/** A project and everything in it, in one environment. */
export function renderProject(
  plan: OrganizationPlan,
  project: ProjectPlan,
  environment: string,
): GeneratedFile[] {
  const unitDir = `organization/${plan.name}/organizational-unit/${project.unit}`;
  const envDir = `${unitDir}/environment/${environment}/project`;
  const dir = `${envDir}/${project.name}`;
  const scope: [string, string][] = [
    ['environment', environment],
    ['organizational-unit', project.unit],
    ['organization', plan.name],
  ];
  const inProject: [string, string][] = [['project', project.name], ...scope];
  const production = environment === 'production';
  const api = `${project.name}-api`;
  const worker = project.apps.find((app) => app.role === 'worker');
  const files = [
    file(`${envDir}/${project.name}.yaml`, [
      ...head('Project', project.name, scope),
      'spec:',
      `  displayName: ${title(project.name)} - ${title(environment)}`,
      `  description: Services, data and edge for ${title(project.name)} in ${environment}`,
      `  defaultUrlRedirect: https://${project.name}.${plan.name}.example.com`,
      '  maintenance:',
      '    start: "2026-01-04T02:00:00Z"',
      '    end: "2026-01-04T04:00:00Z"',
      '  # Outbound internet is denied unless listed.',
      ...list('  ', 'allowedEgress', project.egress),
      // Production access goes to groups only (policy/user-on-production).
      ...permissions('  ', {
        administrators: production ? { groups: [project.team] } : { members: [project.owner] },
        contributors: { groups: production ? [] : [project.team] },
        viewers: { groups: production ? [project.team] : [] },
      }),
    ]),
  ];
  for (const app of project.apps)
    files.push(deploymentConfig(dir, inProject, app, production, project.grpc));
  for (const secret of project.secrets) {
    files.push(
      file(`${dir}/secret/${secret}.yaml`, [
        ...head('Secret', secret, inProject),
        '# The engine creates the secret container only. Its value is added out of band',
        '# (Secret Manager) and is never stored in this repository.',
        'spec:',
        `  description: ${title(secret)} used by ${title(project.name)}`,
        ...permissions('  ', { viewers: { groups: [project.team] } }),
      ]),
    );
  }
  if (project.database) {
    files.push(
      file(`${dir}/database/main.yaml`, [
        ...head('Database', 'main', inProject),
        'spec:',
        `  description: Primary store of ${title(project.name)}`,
        '  alloydb:',
        '    # Smallest shape outside production; production keeps two weeks of backups.',
        `    cpuCount: ${production ? 4 : 1}`,
        '    clusterSize: 1',
        ...(production
          ? ['    backupConfig:', '      enabled: true', '      quantityBasedRetention: 14']
          : []),
        '  databases:',
        `    - name: ${project.name}`,
      ]),
    );
  }
  if (project.topic !== undefined && worker !== undefined) {
    files.push(
      file(`${dir}/pub-sub/${project.topic}.yaml`, [
        ...head('PubSub', project.topic, inProject),
        'spec:',
        `  description: One event per ${project.topic.replace('-', ' ')}, delivered to the worker`,
        '  # Seven days of retention so a failed run can be replayed.',
        '  messageRetentionDurationSeconds: 604800',
        '  notifications:',
        `    - deploymentConfig: ${worker.name}`,
        '      path: /',
      ]),
    );
  }
  if (project.bucket) {
    files.push(
      file(`${dir}/bucket/uploads.yaml`, [
        ...head('Bucket', 'uploads', inProject),
        'spec:',
        '  description: Files customers upload, scanned before anything reads them',
        '  public: false',
        '  scanForMalware: true',
        ...(worker ? ['  notifications:', `    - deploymentConfig: ${worker.name}`] : []),
      ]),
    );
  }
  if (project.ingress) files.push(...renderIngress(dir, inProject, project, api));
  return files;
}

function deploymentConfig(
  dir: string,
  parents: [string, string][],
  app: AppPlan,
  production: boolean,
  grpc: boolean,
): GeneratedFile {
  const go = app.role === 'api' || app.role === 'worker' || app.role === 'collector';
  return file(`${dir}/deployment-config/${app.name}.yaml`, [
    ...head('DeploymentConfig', app.name, parents),
    'spec:',
    `  description: ${title(app.name)}`,
    ...(go
      ? [
          '  container:',
          '    env:',
          '      - name: SERVICE_NAME',
          `        value: ${app.name}`,
          '      - name: LOG_LEVEL',
          `        value: ${production ? 'info' : 'debug'}`,
          '  ports:',
          '    8080: http',
          ...(grpc && app.role === 'api' ? ['    9090: grpc'] : []),
          '  # Cloud Run gates traffic on this startup probe.',
          '  health:',
          '    startup:',
          '      protocol: http',
          '      port: 8080',
          '      path: /healthz',
          '      checkIntervalSec: 5',
          '      timeoutSec: 5',
          '      healthyThreshold: 1',
          '      unhealthyThreshold: 30',
        ]
      : ['  # Static bundle served by the generated nginx image.', '  ports:', '    8080: http']),
    '  scaling:',
    `    min: ${production && app.role === 'api' ? 1 : 0}`,
    ...(app.role === 'api' ? [`    max: ${production ? 20 : 3}`] : []),
    '  # Replaced by the first CI build of the repository before apply.',
    '  version: "0.1.0"',
  ]);
}
