import { rm } from 'node:fs/promises';
import type { Octokit } from '@octokit/rest';
import { createGitHubClient } from '../../shared/adapters/github-client.ts';
import type { RepositoryRef } from '../../shared/ports/repository-source.ts';
import { createTestRepository, type TestRepository } from './git-repository.ts';
import { startLoopbackGitHub, type LoopbackGitHub } from './loopback-github.ts';

/** A real repository, the loopback GitHub serving it, and a real Octokit client signed in to it. */
export interface GitHubFixture {
  readonly repo: TestRepository;
  readonly github: LoopbackGitHub;
  readonly octokit: Octokit;
  readonly repository: RepositoryRef;
  /** The requests made so far whose method and path match. */
  requestsTo(method: string, path: RegExp): LoopbackGitHub['requests'];
  dispose(): Promise<void>;
}

/** Creates the fixture; `dispose` stops the server and removes the repository. */
export async function createGitHubFixture(): Promise<GitHubFixture> {
  const repo = await createTestRepository();
  const github = await startLoopbackGitHub({ directory: repo.directory });
  const octokit = createGitHubClient({
    appId: github.appId,
    privateKey: github.privateKey,
    installationId: github.installationId,
    baseUrl: github.baseUrl,
  });
  return {
    repo,
    github,
    octokit,
    repository: { owner: github.owner, name: github.name },
    requestsTo: (method, path) =>
      github.requests.filter((request) => request.method === method && path.test(request.path)),
    async dispose() {
      await github.close();
      await rm(repo.directory, { recursive: true, force: true });
    },
  };
}
