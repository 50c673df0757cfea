import type { AppPlan, OrganizationPlan, ProjectPlan } from './plan.ts';
import { title } from './words.ts';
import { file, head, list, permissions, str, type GeneratedFile } from './yaml.ts';

/** The organization itself, its people, registries and GitHub side. */
export function renderOrganizationLevel(plan: OrganizationPlan): GeneratedFile[] {
  const root = `organization/${plan.name}`;
  const org: [string, string][] = [['organization', plan.name]];
  const files: GeneratedFile[] = [
    file(`${root}/organization.yaml`, [
      ...head('Organization', plan.name, []),
      'spec:',
      '  description: |',
      `    ${title(plan.name)} runs the storefronts, payments and logistics of a mid-size`,
      '    online retailer. Every unit deploys through the same release tracks.',
      '  # europe-west1 is where the data residency review placed every workload.',
      '  defaultRegion: europe-west1',
      '  domain:',
      `    external: ${plan.name}.example.com`,
      `    internal: ${plan.name}.internal`,
      '  github:',
      `    organization: ${plan.githubOrganization}`,
      ...permissions('  ', {
        administrators: { groups: ['platform-admins'] },
        viewers: { groups: ['security-auditors'] },
      }),
      '  workforceFederation:',
      '    infrastreamManaged: {}',
    ]),
  ];
  for (const user of plan.users) {
    files.push(
      file(`${root}/organization-user/${user.name}.yaml`, [
        ...head('OrganizationUser', user.name, org),
        'spec:',
        `  primaryEmail: ${user.name}@${plan.name}.example.com`,
        '  identity:',
        `    firstName: ${title(user.first)}`,
        `    lastName: ${title(user.last)}`,
        '  externalAccounts:',
        '    - sourceType: GITHUB',
        '      sourceName: default',
        `      username: ${user.github}`,
      ]),
    );
  }
  for (const group of plan.groups) {
    files.push(
      file(`${root}/organization-user-group/${group.name}.yaml`, [
        ...head('OrganizationUserGroup', group.name, org),
        'spec:',
        `  description: ${str(group.description)}`,
        `  parent: ${group.parent === '' ? '""' : group.parent}`,
        '  members:',
        ...list('    ', 'users', group.users),
        '    external: []',
      ]),
    );
  }
  for (const [name, type, what] of [
    ['docker-private', 'DOCKER', 'service images'],
    ['static-private', 'STATIC', 'static web bundles'],
  ] as const) {
    files.push(
      file(`${root}/artifact-registry/${name}.yaml`, [
        ...head('ArtifactRegistry', name, org),
        'spec:',
        `  description: Private registry for ${what}`,
        '  enabled: true',
        '  public: false',
        `  type: ${type}`,
        '  permissions:',
        '    readers:',
        ...list('      ', 'groups', ['engineering']),
        '      members: []',
        '    writers:',
        ...list('      ', 'groups', ['platform-admins']),
        '      members: []',
      ]),
    );
  }
  files.push(
    file(`${root}/github-connection/default.yaml`, [
      ...head('GithubConnection', 'default', org),
      'spec:',
      `  description: The account that holds the ${title(plan.name)} source repositories`,
      `  owner: ${plan.githubOrganization}`,
      '  authenticationMethod: GITHUB_APP',
      ...list(
        '  ',
        'administrators',
        plan.users.slice(0, 2).map((user) => user.name),
      ),
    ]),
  );
  for (const project of plan.projects) {
    for (const app of project.apps)
      if (!app.external) files.push(...renderSource(plan, project, app));
  }
  return files;
}

/** The repository of one application and its build definition. */
function renderSource(plan: OrganizationPlan, project: ProjectPlan, app: AppPlan): GeneratedFile[] {
  const dir = `organization/${plan.name}/github-connection/github-repository`;
  const connection: [string, string][] = [
    ['github-connection', 'default'],
    ['organization', plan.name],
  ];
  const react = app.role === 'web' || app.role === 'admin';
  const repository = file(`${dir}/${app.name}.yaml`, [
    ...head('GithubRepository', app.name, connection),
    'spec:',
    `  description: "${title(project.name)} ${app.role}: ${react ? 'React + Vite single-page app' : 'Go service on Cloud Run'}"`,
    '  public: false',
    '  strategy: TRUNK_BASED',
    '  configuration:',
    '    wiki: false',
    '    projects: false',
    '    issues: true',
    '    downloads: false',
    '  codeOwners:',
    '    - path: "*"',
    ...list('      ', 'owners', [project.team]),
    ...permissions('  ', {
      administrators: { groups: [`${project.unit}-admins`] },
      contributors: { groups: [project.team] },
    }),
  ]);
  const build = file(`${dir}/build-definition/${app.name}-build.yaml`, [
    ...head('BuildDefinition', app.name, [['github-repository', app.name], ...connection]),
    'spec:',
    `  type: ${react ? 'REACT' : 'GOLANG'}`,
    ...list('  ', 'stages', [
      'analysis',
      'test',
      'build',
      ...(react ? ['publish'] : []),
      'containerize',
    ]),
    ...(react
      ? ['  publish:', '    registry: static-private']
      : ['  golang:', '    target: main.go', '    buildType: bin']),
    '  containerize:',
    `    name: ${app.name}`,
    ...(react ? list('    ', 'platforms', ['linux/amd64']) : []),
    ...list('    ', 'registries', ['docker-private']),
  ]);
  return [repository, build];
}
