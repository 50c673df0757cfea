import { Random } from './random.ts';
import * as words from './words.ts';

/** What an application does; decides its build, its grants and its routes. */
export type Role = 'api' | 'web' | 'worker' | 'admin' | 'collector';

export interface AppPlan {
  readonly name: string;
  readonly role: Role;
  /** An ExternalApplication (an image built elsewhere): no repository, no build. */
  readonly external: boolean;
  readonly secrets: readonly string[];
  readonly database: boolean;
  readonly publishTo: readonly string[];
  readonly subscribeTo: readonly string[];
}

export interface ProjectPlan {
  readonly name: string;
  readonly unit: string;
  /** The OrganizationUserGroup of the people who work on it. */
  readonly team: string;
  readonly owner: string;
  readonly apps: readonly AppPlan[];
  readonly secrets: readonly string[];
  readonly database: boolean;
  readonly topic: string | undefined;
  readonly bucket: boolean;
  readonly ingress: boolean;
  readonly grpc: boolean;
  readonly egress: readonly string[];
}

export interface UserPlan {
  readonly name: string;
  readonly first: string;
  readonly last: string;
  readonly github: string;
}

export interface GroupPlan {
  readonly name: string;
  readonly description: string;
  readonly parent: string;
  readonly users: readonly string[];
}

export interface OrganizationPlan {
  readonly name: string;
  readonly githubOrganization: string;
  readonly users: readonly UserPlan[];
  readonly groups: readonly GroupPlan[];
  readonly units: readonly string[];
  readonly projects: readonly ProjectPlan[];
}

export const ORGANIZATION = 'harbor-commerce';

/** Manifests a project adds: three environments' worth of resources, and its releases. */
export function projectSize(project: ProjectPlan): number {
  const routes = project.ingress
    ? 2 + (project.apps.some((app) => app.role === 'admin') ? 1 : 0) + (project.grpc ? 1 : 0)
    : 0;
  const resources =
    project.secrets.length +
    [project.database, project.topic, project.bucket].filter(Boolean).length;
  const perEnvironment = 1 + project.apps.length + resources + routes;
  const built = project.apps.filter((app) => !app.external).length;
  return words.ENVIRONMENTS.length * perEnvironment + 2 + project.apps.length + 2 * built;
}

/**
 * Decides the whole organization before writing a line: units, projects and their
 * applications until the manifest budget is spent, then people to fill it exactly.
 */
export function planOrganization(manifests: number, seed: number): OrganizationPlan {
  const random = new Random(seed);
  const unitCount = Math.max(1, Math.min(words.UNITS.length, Math.round(manifests / 2500)));
  const units = words.UNITS.slice(0, unitCount);
  const baseUsers = Math.max(4, Math.round(manifests * 0.012));
  const fixedGroups = 3 + 2 * units.length;
  // Organization, users, groups, two registries, the GitHub connection; per unit itself,
  // its environments and its release track.
  const fixed = 1 + baseUsers + fixedGroups + 3 + units.length * (2 + words.ENVIRONMENTS.length);
  if (manifests < fixed)
    throw new Error(`at least ${fixed} manifests are needed, asked ${manifests}`);

  const users = Array.from({ length: baseUsers }, (_, index) => user(random, index));
  const projects: ProjectPlan[] = [];
  const taken = new Set<string>();
  let remaining = manifests - fixed;
  for (let index = 0; ; index++) {
    const unit = units[index % units.length] ?? 'payments';
    let project = planProject(random, unit, taken, users, false);
    if (projectSize(project) > remaining) project = planProject(random, unit, taken, users, true);
    if (projectSize(project) > remaining) break;
    taken.add(project.name);
    projects.push(project);
    remaining -= projectSize(project);
  }
  // Contractors fill the budget exactly: one manifest each.
  for (let index = 0; index < remaining; index++) users.push(user(random, users.length));

  const names = users.map((person) => person.name);
  const groups: GroupPlan[] = [
    group('platform-admins', 'Administrators of the whole organization', '', names.slice(0, 3)),
    group('security-auditors', 'Read-only reviewers of every environment', '', names.slice(3, 5)),
    group('engineering', 'Everyone who builds and runs the services', '', []),
    ...units.flatMap((unit) => [
      group(
        `${unit}-admins`,
        `Leads of the ${words.title(unit)} unit`,
        'engineering',
        random.sample(names, 2),
      ),
      group(`${unit}-developers`, `Developers of the ${words.title(unit)} unit`, 'engineering', []),
    ]),
    ...projects.map((project) =>
      group(
        project.team,
        `The team behind ${words.title(project.name)}`,
        `${project.unit}-developers`,
        random.sample(names, random.int(2, 6)),
      ),
    ),
  ];
  return {
    name: ORGANIZATION,
    githubOrganization: 'harbor-commerce-eng',
    users,
    groups,
    units,
    projects,
  };
}

function group(
  name: string,
  description: string,
  parent: string,
  users: readonly string[],
): GroupPlan {
  return { name, description, parent, users };
}

function user(random: Random, index: number): UserPlan {
  const first = random.pick(words.FIRST_NAMES);
  const last = random.pick(words.LAST_NAMES);
  const name = `${first}-${last}-${index + 1}`;
  return { name, first, last, github: `${first}${words.title(last)}${index + 1}` };
}

function planProject(
  random: Random,
  unit: string,
  taken: ReadonlySet<string>,
  users: readonly UserPlan[],
  small: boolean,
): ProjectPlan {
  const base = `${random.pick(words.DOMAINS)}-${random.pick(words.SUFFIXES)}`;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  const roles: Role[] = ['api'];
  if (!small) {
    if (random.chance(0.7)) roles.push('web');
    if (random.chance(0.6)) roles.push('worker');
    if (random.chance(0.3)) roles.push('admin');
    if (random.chance(0.1)) roles.push('collector');
  }
  const topic = roles.includes('worker') ? random.pick(words.EVENTS) : undefined;
  const database = !small && random.chance(0.8);
  const apps = roles.map((role): AppPlan => {
    const secrets =
      role === 'api' && !small
        ? random.sample(words.API_SECRETS, random.int(1, 2))
        : role === 'worker'
          ? [random.pick(words.WORKER_SECRETS)]
          : [];
    return {
      name: `${name}-${role}`,
      role,
      external: role === 'collector',
      secrets,
      database: role === 'api' && database,
      publishTo: role === 'api' && topic !== undefined ? [topic] : [],
      subscribeTo: role === 'worker' && topic !== undefined ? [topic] : [],
    };
  });
  const egress = [
    '*.googleapis.com',
    ...(small ? [] : [random.pick(words.API_EGRESS)]),
    ...(roles.includes('worker') ? [random.pick(words.WORKER_EGRESS)] : []),
  ];
  const ingress = !small && random.chance(0.85);
  return {
    name,
    unit,
    team: `${name}-team`,
    owner: random.pick(users).name,
    apps,
    secrets: [...new Set(apps.flatMap((app) => app.secrets))],
    database,
    topic,
    bucket: !small && random.chance(0.25),
    ingress,
    grpc: ingress && random.chance(0.15),
    egress: [...new Set(egress)],
  };
}
