/**
 * Organizations whose names are chosen to make generated identifiers meet: names that
 * differ only in where a hyphen stands (`a-b` + `c`, `a` + `b-c`), names that are
 * prefixes of each other, names at every length limit (1, 6, 30, 49, 63 and around), and
 * names that spell what Infrastream generates (`push`, `dead-letter`, `connection`, `to`,
 * `goog`). Each is valid except for what naming may refuse: two applications of one name
 * in one project, folder display names that meet or that no folder can have.
 */
import fc from 'fast-check';
import type { Manifest } from '../../../shared/core/manifests/manifest.ts';
import type { RepositoryFile } from '../../../shared/core/validate/validate-repository.ts';
import { describeFiles, encodeUtf8, serializeManifest } from './serialization.ts';

/** `a…ab` of `length` characters: names at a limit, prefixes of each other. */
const long = (length: number, last = 'b') => `${'a'.repeat(length - 1)}${last}`;

const WORDS = [
  'a',
  'b',
  'c',
  'a-b',
  'b-c',
  'ab',
  'to',
  'a-to',
  'to-b',
  'push',
  'dead',
  'letter',
  'dead-letter',
  'connection',
  'bucket',
  'development',
  'warehouse',
  'goog',
  'google',
  'qa',
];
const LONG = [1, 2, 3, 5, 6, 7, 22, 29, 30, 31, 48, 49, 50, 55, 62, 63].flatMap((length) =>
  length === 1 ? ['a', 'b'] : [long(length), long(length, 'c')],
);

/** Names whose joins meet: `a-b` + `c` and `a` + `b-c` are both `a-b-c`. */
const PARTS = ['a', 'b', 'c', 'a-b', 'b-c', 'a-b-c'];

/** A name from the pools, or two of them joined by a hyphen where that is still a name. */
export const adversarialName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PARTS) },
  { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.constantFrom(...LONG) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...WORDS, ...LONG), fc.constantFrom(...WORDS))
      .map(([first, second]) => `${first}-${second}`)
      .filter((name) => name.length <= 63),
  },
);

const names = (min: number, max: number) =>
  fc.uniqueArray(adversarialName, { minLength: min, maxLength: max });

/** Mostly none; sometimes one a sibling may have too, rarely one no folder can have. */
const displayName = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc.constantFrom('Production', 'Development', 'a unit', 'qa environment'),
  },
  { weight: 1, arbitrary: fc.constant('Team (EU)') },
);

const projectBlueprint = fc.record({
  name: adversarialName,
  secrets: names(0, 2),
  databases: names(0, 1),
  topics: names(0, 2),
  buckets: names(0, 1),
  services: names(0, 2),
  /** Picks of a service for each topic and bucket to notify, or none. */
  notify: fc.array(fc.option(fc.nat(), { nil: undefined }), { minLength: 3, maxLength: 3 }),
  /** Per service: subscribes to the first topic, reads the secrets and the database. */
  subscribes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
  /** Rarely, a second application of the first service's name, in another set: one too many. */
  twice: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  /**
   * Names that the former joins made equal to generated ones: a Secret named like the
   * first service's connection secret, a service named like the push identity of the
   * first topic to the first service.
   */
  lookalikes: fc.boolean(),
  egress: fc.subarray(['api.example.com', '2001:db8::/128', '2001::db8/128', '198.51.100.0/24']),
});

type ProjectBlueprint = typeof projectBlueprint extends fc.Arbitrary<infer T> ? T : never;

/** The lookalike names of a project, where they are names and not taken already. */
function lookalikesOf(project: ProjectBlueprint): { secrets: string[]; services: string[] } {
  const [service] = project.services;
  const [database] = project.databases;
  const [topic] = project.topics;
  const reads = service !== undefined && project.subscribes[0] === true;
  const fresh = (taken: readonly string[]) => (name: string) =>
    name.length <= 63 && !taken.includes(name);
  return {
    secrets: (reads && database !== undefined ? [`${service}-${database}-connection`] : []).filter(
      fresh(project.secrets),
    ),
    services: (reads && topic !== undefined ? [`push-${topic}-${service}`] : []).filter(
      fresh(project.services),
    ),
  };
}

const unitBlueprint = fc.record({
  name: adversarialName,
  displayName,
  environments: fc.uniqueArray(fc.record({ name: adversarialName, displayName }), {
    minLength: 1,
    maxLength: 2,
    selector: (environment) => environment.name,
  }),
  projects: fc.uniqueArray(projectBlueprint, {
    minLength: 1,
    maxLength: 2,
    selector: (project) => project.name,
  }),
});

/** What the generator knows it declared, to check the rendering against. */
export interface AdversarialOrganization {
  readonly files: readonly RepositoryFile[];
  readonly manifests: readonly Manifest[];
  /** Per project workspace: what must each have a resource of its own. */
  readonly expected: ReadonlyMap<string, ExpectedWorkspace>;
}

export interface ExpectedWorkspace {
  /** Application identities and push identities. */
  readonly identities: number;
  readonly services: number;
  /** Secrets and connection secrets. */
  readonly secrets: number;
  readonly topics: number;
  readonly buckets: number;
  readonly databases: number;
  /** Units and environments, in the organization workspace. */
  readonly folders: number;
}

/** An organization of 1-2 units of adversarially named environments, projects and services. */
export const adversarialOrganizationArbitrary: fc.Arbitrary<AdversarialOrganization> = fc
  .tuple(
    fc.uniqueArray(unitBlueprint, { minLength: 1, maxLength: 2, selector: (unit) => unit.name }),
    fc.boolean(),
  )
  .map(([blueprints, twin]) => {
    // Sometimes a unit named `<first unit>-<its first environment>`, with the same
    // environments and projects: the former folder labels and project ids met.
    const [first] = blueprints;
    const twinName = `${first?.name ?? ''}-${first?.environments[0]?.name ?? ''}`;
    const units =
      twin &&
      first !== undefined &&
      twinName.length <= 63 &&
      !blueprints.some((unit) => unit.name === twinName)
        ? [...blueprints, { ...first, name: twinName }]
        : blueprints;
    const manifests: Manifest[] = [];
    const expected = new Map<string, ExpectedWorkspace>();
    const organization = 'acme';
    const add = (kind: string, metadata: Record<string, string>, spec: object) => {
      manifests.push({
        apiVersion: 'lowops.manifests.v1',
        kind,
        metadata: kind === 'Organization' ? metadata : { ...metadata, organization },
        spec,
      } as unknown as Manifest);
    };
    add(
      'Organization',
      { name: organization },
      {
        github: { organization: 'acme-corp' },
        workforceFederation: {},
        permissions: { viewers: { groups: ['readers'] } },
      },
    );
    add('OrganizationUserGroup', { name: 'readers' }, { description: 'Everyone' });

    for (const unit of units) {
      const inUnit = { 'organizational-unit': unit.name };
      add(
        'OrganizationalUnit',
        { name: unit.name },
        {
          ...(unit.displayName === undefined ? {} : { displayName: unit.displayName }),
          permissions: { viewers: { groups: ['readers'] } },
        },
      );
      for (const environment of unit.environments) {
        add(
          'Environment',
          { name: environment.name, ...inUnit },
          {
            ...(environment.displayName === undefined
              ? {}
              : { displayName: environment.displayName }),
          },
        );
      }
      add(
        'ReleaseTrack',
        { name: 'track', ...inUnit },
        {
          preReleaseStages: [{ environments: unit.environments.map((e) => e.name) }],
        },
      );
      const sets = ['first', 'second', 'third', 'fourth'];
      for (const set of sets)
        add('ApplicationSet', { name: set, 'release-track': 'track', ...inUnit }, {});
      const setsUsed = new Map<string, number>();

      for (const project of unit.projects) {
        const lookalikes = project.lookalikes
          ? lookalikesOf(project)
          : { secrets: [], services: [] };
        const services = [...project.services, ...lookalikes.services];
        const secrets = [...project.secrets, ...lookalikes.secrets];
        const pick = (n: number | undefined) =>
          n === undefined || services.length === 0 ? undefined : services[n % services.length];
        const notifications = (n: number | undefined) => {
          const service = pick(n);
          return service === undefined ? {} : { notifications: [{ deploymentConfig: service }] };
        };
        for (const environment of unit.environments) {
          const inProject = { project: project.name, environment: environment.name, ...inUnit };
          add(
            'Project',
            { name: project.name, environment: environment.name, ...inUnit },
            {
              allowedEgress: project.egress,
              permissions: { viewers: { groups: ['readers'] } },
            },
          );
          for (const secret of secrets)
            add(
              'Secret',
              { name: secret, ...inProject },
              {
                permissions: { administrators: { groups: ['readers'] } },
              },
            );
          for (const database of project.databases)
            add('Database', { name: database, ...inProject }, { databases: [{ name: 'main' }] });
          project.topics.forEach((topic, index) => {
            add('PubSub', { name: topic, ...inProject }, notifications(project.notify[index]));
          });
          for (const bucket of project.buckets)
            add('Bucket', { name: bucket, ...inProject }, notifications(project.notify[2]));
          for (const service of services)
            add('DeploymentConfig', { name: service, ...inProject }, { ports: { 8080: 'http' } });
        }

        const pushes = new Set<string>();
        project.topics.forEach((topic, index) => {
          const service = pick(project.notify[index]);
          if (service !== undefined) pushes.add(`topic ${topic} ${service}`);
        });
        for (const bucket of project.buckets) {
          const service = pick(project.notify[2]);
          if (service !== undefined) pushes.add(`bucket ${bucket} ${service}`);
        }
        let applications = 0;
        let connections = 0;
        const place = (service: string, index: number) => {
          // A set holds one application of a name: the next name-sake goes to the next set.
          const used = setsUsed.get(service) ?? 0;
          setsUsed.set(service, used + 1);
          const subscribes = project.subscribes[index] === true;
          const topic = project.topics[0];
          const database = project.databases[0];
          if (subscribes && topic !== undefined) pushes.add(`topic ${topic} ${service}`);
          if (subscribes && database !== undefined) connections++;
          applications++;
          add(
            'ExternalApplication',
            {
              name: service,
              'application-set': sets[used] ?? 'fourth',
              'release-track': 'track',
              ...inUnit,
            },
            {
              project: project.name,
              image: `europe-docker.pkg.dev/acme/docker/app@sha256:${'0'.repeat(64)}`,
              ...(subscribes && {
                accessControl: {
                  secrets: Object.fromEntries(
                    secrets.map((secret, i) => [secret, { envVar: `SECRET_${i}` }]),
                  ),
                  ...(topic !== undefined && { pubsub: { subscribeTo: [topic] } }),
                  ...(database !== undefined && {
                    database: {
                      name: database,
                      schema: 'main',
                      privileges: ['SELECT'],
                      secretSource: { envVar: 'DATABASE_URL' },
                    },
                  }),
                },
              }),
            },
          );
        };
        services.forEach(place);
        const first = services[0];
        if (project.twice && first !== undefined) place(first, 0);

        for (const environment of unit.environments) {
          expected.set(`${unit.name}.${environment.name}.${project.name}`, {
            identities: applications + pushes.size,
            services: applications,
            secrets: secrets.length + connections,
            topics: project.topics.length,
            buckets: project.buckets.length,
            databases: project.databases.length,
            folders: 0,
          });
        }
      }
    }

    expected.set('organization', {
      identities: 0,
      services: 0,
      secrets: 0,
      topics: 0,
      buckets: 0,
      databases: 0,
      folders: units.reduce((sum, unit) => sum + 1 + unit.environments.length, 0),
    });
    const style = { options: {}, comments: [], lineBreak: '\n' as const };
    const texts = manifests.map((manifest, index) => ({
      path: `${String(index).padStart(3, '0')}-${manifest.kind}.yaml`,
      text: serializeManifest(manifest, style),
    }));
    const files = texts.map(({ path, text }) => ({ path, bytes: encodeUtf8(text) }));
    const generated: AdversarialOrganization = { files, manifests, expected };
    // Counterexamples print as the files themselves, not as bytes.
    Object.defineProperty(generated, fc.toStringMethod, {
      value: () => describeFiles(texts),
      enumerable: false,
    });
    return generated;
  });
