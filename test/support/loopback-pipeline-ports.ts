import { createCloudBuildService } from '../../shared/adapters/cloud-build-service.ts';
import { createGitHubClient } from '../../shared/adapters/github-client.ts';
import { createGitHubCodeOwnersWriter } from '../../shared/adapters/github-code-owners-writer.ts';
import { createGitHubCommitReporter } from '../../shared/adapters/github-commit-reporter.ts';
import { createGitHubRepositorySource } from '../../shared/adapters/github-repository-source.ts';
import { exampleRenderConfig, type RenderConfig } from '../../shared/core/render/render-config.ts';
import type { PipelinePorts } from '../../shared/pipeline/stage.ts';
import type { BuildService } from '../../shared/ports/build-service.ts';
import type { LoopbackCloudBuild } from './loopback-cloud-build.ts';
import type { LoopbackGitHub } from './loopback-github.ts';

/**
 * A render configuration as a deployment has one: an organization's own ids, none of the
 * example's placeholders (which never apply), and the modules from git at a pinned tag.
 */
export const deploymentRenderConfig: RenderConfig = {
  ...exampleRenderConfig,
  organizationId: '123456789012',
  billingAccount: '01A2B3-C4D5E6-F7A8B9',
  projectPrefix: 'acme',
  state: { bucket: 'acme-infrastream-state', prefix: 'workspaces' },
  hub: { ...exampleRenderConfig.hub, projectId: 'acme-network-hub' },
  logBucket: 'acme-access-logs',
  modules: {
    git: 'git::https://github.com/acme/infrastream.git//terraform-modules',
    ref: 'v1.4.0',
  },
};

/** The Cloud Build options of a deployment (`INFRASTREAM_CLOUD_BUILD`). */
export const deploymentCloudBuildOptions = {
  project: 'acme-infrastream',
  region: 'europe-west1',
  serviceAccount: 'terraform-builds@acme-infrastream.iam.gserviceaccount.com',
  driftServiceAccount: 'infrastream-drift@acme-infrastream.iam.gserviceaccount.com',
  builderImage: `europe-docker.pkg.dev/acme-ci/infrastream/builder@sha256:${'a'.repeat(64)}`,
  terraformImage: `hashicorp/terraform:1.11.4@sha256:${'b'.repeat(64)}`,
} as const;

/** The Cloud Build adapter as a deployment would configure it, talking to a loopback Cloud Build. */
export function loopbackCloudBuildService(cloudBuild: LoopbackCloudBuild): BuildService {
  return createCloudBuildService({
    ...deploymentCloudBuildOptions,
    renderConfig: deploymentRenderConfig,
    client: cloudBuild.client(),
  });
}

/** The GitHub adapters, signed in as the loopback GitHub's App installation. */
export function loopbackGitHubPorts(
  github: LoopbackGitHub,
): Pick<PipelinePorts, 'source' | 'reporter' | 'codeOwners'> {
  const octokit = createGitHubClient({
    appId: github.appId,
    privateKey: github.privateKey,
    installationId: github.installationId,
    baseUrl: github.baseUrl,
  });
  return {
    source: createGitHubRepositorySource({ octokit }),
    reporter: createGitHubCommitReporter({ octokit, appId: github.appId }),
    codeOwners: createGitHubCodeOwnersWriter({ octokit }),
  };
}
