import * as v from 'valibot';
import {
  githubLogin,
  hostname,
  name,
  names,
  principals,
  permissions,
  strict,
  text,
} from '../fields.ts';

/** An Artifact Registry repository with reader and writer IAM. */
export const artifactRegistrySpec = strict({
  enabled: v.optional(v.boolean()),
  description: v.optional(text),
  public: v.optional(v.boolean()),
  type: v.picklist(['DOCKER', 'STATIC', 'NPM', 'MAVEN', 'PYTHON', 'GO', 'APT', 'YUM']),
  permissions: v.optional(
    strict({ readers: v.optional(principals), writers: v.optional(principals) }),
  ),
});

/** The connection to the GitHub organization that holds the source repositories. */
export const githubConnectionSpec = strict({
  description: v.optional(text),
  owner: githubLogin,
  authenticationMethod: v.picklist(['GITHUB_APP', 'TOKEN']),
  hostname: v.optional(hostname),
  administrators: v.optional(names),
});

const repositoryName = v.pipe(
  v.string(),
  v.regex(
    /^[A-Za-z0-9._-]{1,100}$/,
    (issue) => `expected a GitHub repository name, found ${issue.received}`,
  ),
);

/** A managed GitHub repository. */
export const githubRepositorySpec = strict({
  description: v.optional(text),
  public: v.optional(v.boolean()),
  name: v.optional(repositoryName),
  ignorePrefix: v.optional(v.boolean()),
  template: v.optional(strict({ owner: githubLogin, repository: repositoryName })),
  strategy: v.optional(v.picklist(['TRUNK_BASED', 'GITHUB_FLOW', 'GIT_FLOW'])),
  codeOwners: v.optional(
    v.array(
      strict({ path: v.pipe(v.string(), v.nonEmpty('expected a path pattern')), owners: names }),
    ),
  ),
  configuration: v.optional(
    strict({
      wiki: v.optional(v.boolean()),
      projects: v.optional(v.boolean()),
      issues: v.optional(v.boolean()),
      downloads: v.optional(v.boolean()),
      discussions: v.optional(v.boolean()),
    }),
  ),
  permissions: v.optional(permissions),
});

const relativePath = v.pipe(
  v.string(),
  v.check(
    (path) => !path.startsWith('/') && !path.split('/').includes('..'),
    (issue) => `expected a path inside the repository, found ${issue.received}`,
  ),
);

/** How an application's repository is built, published and containerized. */
export const buildDefinitionSpec = strict({
  description: v.optional(text),
  type: v.picklist(['GOLANG', 'REACT', 'NODE', 'PYTHON', 'JAVA', 'DOCKER']),
  workDir: v.optional(relativePath),
  private: v.optional(v.boolean()),
  stages: v.optional(v.array(v.picklist(['analysis', 'test', 'build', 'publish', 'containerize']))),
  golang: v.optional(
    strict({
      target: v.optional(relativePath),
      buildType: v.optional(v.picklist(['bin', 'plugin'])),
    }),
  ),
  publish: v.optional(strict({ registry: name })),
  containerize: v.optional(
    strict({
      name,
      platforms: v.optional(
        v.array(
          v.pipe(
            v.string(),
            v.regex(
              /^linux\/(?:amd64|arm64)$/,
              (issue) => `expected linux/amd64 or linux/arm64, found ${issue.received}`,
            ),
          ),
        ),
      ),
      registries: v.optional(names),
    }),
  ),
});
