import type { ProjectPlan } from './plan.ts';
import { title } from './words.ts';
import { file, head, list, type GeneratedFile } from './yaml.ts';

/** A project's PublicIngress and its routes: an open app route, staff and gRPC routes. */
export function renderIngress(
  dir: string,
  inProject: [string, string][],
  project: ProjectPlan,
  api: string,
): GeneratedFile[] {
  const routeParents: [string, string][] = [...inProject, ['public-ingress', 'portal']];
  const web = project.apps.find((app) => app.role === 'web')?.name ?? api;
  const admin = project.apps.find((app) => app.role === 'admin');
  const destination = (name: string, port = 8080) => [
    '      action:',
    '        destinations:',
    `          - deploymentConfig: ${name}`,
    `            port: ${port}`,
  ];
  const files = [
    file(`${dir}/public-ingress/portal.yaml`, [
      ...head('PublicIngress', 'portal', inProject),
      'spec:',
      `  description: Edge for ${title(project.name)}`,
      '  # GOOGLE_MANAGED gives each route a Google hostname and certificate.',
      '  domain:',
      '    dns: GOOGLE_MANAGED',
      '  iapPermissions:',
      ...list('    ', 'groups', [project.team, `${project.unit}-admins`]),
    ]),
    file(`${dir}/public-ingress/http-route/app.yaml`, [
      ...head('HttpRoute', 'app', routeParents),
      'spec:',
      '  description: The app and its API, on one origin',
      '  rules:',
      '    # Signed-in: everything under /api/account/.',
      '    - matches:',
      '        - prefixMatch: /api/account/',
      '      authentication:',
      '        - type: INTERNAL',
      ...destination(api),
      '    # Open on purpose: the public API and the single-page app.',
      '    - matches:',
      '        - prefixMatch: /api/',
      ...destination(api),
      '    - matches:',
      '        - prefixMatch: /',
      ...destination(web),
    ]),
  ];
  if (admin !== undefined) {
    files.push(
      file(`${dir}/public-ingress/http-route/staff.yaml`, [
        ...head('HttpRoute', 'staff', routeParents),
        'spec:',
        '  description: Staff app, IAP only',
        '  rules:',
        '    - matches:',
        '        - prefixMatch: /',
        '      authentication:',
        '        - type: INTERNAL',
        '      authorization:',
        '        - groups:',
        `            - ${project.team}`,
        ...destination(admin.name),
      ]),
    );
  }
  if (project.grpc) {
    files.push(
      file(`${dir}/public-ingress/grpc-route/rpc.yaml`, [
        ...head('GrpcRoute', 'rpc', routeParents),
        'spec:',
        '  description: Partner gRPC API, for signed-in staff',
        '  rules:',
        '    - matches:',
        `        - service: ${project.name.split('-')[0] ?? 'harbor'}.v1.PartnerService`,
        '      authentication:',
        '        - type: INTERNAL',
        ...destination(api, 9090),
      ]),
    );
  }
  return files;
}
