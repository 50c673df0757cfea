import { describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import type { Issue } from '../../shared/core/issues/issue.ts';
import { serviceAccountId } from '../../shared/core/naming/cloud-names.ts';
import { editedOrganization, type Edit } from '../support/base-organization.ts';
import {
  corpusAvailable,
  corpusDirectory,
  corpusMissingReason,
  examplesDirectory,
} from '../support/corpus.ts';

/** The naming issues of the base organization with some edits, with their related places. */
function naming(...edits: Edit[]): string[] {
  return analyzeRepository(editedOrganization(...edits))
    .issues.filter((issue: Issue) => issue.rule.startsWith('naming/'))
    .map(
      (issue) =>
        `${issue.rule} ${issue.file}:${issue.line}:${issue.column}` +
        (issue.related ?? []).map((related) => ` ~ ${related.file}:${related.line}`).join(''),
    );
}

const topic = (name: string) => ({
  file: `payments/production/shop/${name}.yaml`,
  content: `apiVersion: lowops.manifests.v1
kind: PubSub
metadata:
  name: ${name}
  project: shop
  environment: production
  organizational-unit: payments
  organization: acme
spec:
  description: Events
`,
});

describe('naming/collision', () => {
  it('finds nothing in the base organization, the examples or island-venues', (context) => {
    expect(naming()).toEqual([]);
    const examples = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
    expect(examples.issues.filter((issue) => issue.rule.startsWith('naming/'))).toEqual([]);
    context.skip(!corpusAvailable, corpusMissingReason);
    const corpus = analyzeRepository(readRepositoryFiles(corpusDirectory, 10_000));
    expect(corpus.issues.filter((issue) => issue.rule.startsWith('naming/'))).toEqual([]);
  });

  it('refuses a topic named like the dead-letter topic of another, in both files', () => {
    expect(naming(topic('order-events-dead-letter'))).toEqual([
      'naming/collision payments/production/shop/order-events-dead-letter.yaml:4:9 ~ payments/production/shop/pubsub.yaml:4',
      'naming/collision payments/production/shop/pubsub.yaml:4:9 ~ payments/production/shop/order-events-dead-letter.yaml:4',
    ]);
  });

  it('refuses an application named like the account of a push identity', () => {
    // order-events notifies shop in production: that push identity has an account id of
    // its own, which an application's name can still be written as.
    const account = serviceAccountId('payments.production.shop', 'push.order-events.shop');
    const edits: Edit[] = ['production', 'staging'].map((environment) => ({
      file: `payments/${environment}/shop/${account}.yaml`,
      content: `apiVersion: lowops.manifests.v1
kind: DeploymentConfig
metadata:
  name: ${account}
  project: shop
  environment: ${environment}
  organizational-unit: payments
  organization: acme
spec:
  ports:
    8080: http
`,
    }));
    edits.push({
      file: `payments/storefront/${account}.yaml`,
      content: `apiVersion: lowops.manifests.v1
kind: ExternalApplication
metadata:
  name: ${account}
  application-set: storefront
  release-track: main
  organizational-unit: payments
  organization: acme
spec:
  project: shop
  image: europe-docker.pkg.dev/acme/docker/app@sha256:${'0'.repeat(64)}
`,
    });
    expect(naming(...edits)).toEqual([
      `naming/collision payments/production/shop/pubsub.yaml:14:7 ~ payments/storefront/${account}.yaml:4`,
      `naming/collision payments/storefront/${account}.yaml:4:9 ~ payments/production/shop/pubsub.yaml:14`,
    ]);
    const [message] = analyzeRepository(editedOrganization(...edits))
      .issues.filter((issue) => issue.rule === 'naming/collision')
      .map((issue) => issue.message);
    expect(message).toBe(
      `expected each service account id in payments.production.shop to stand for one thing, found "${account}" made for service_account.push.order-events.shop of payments.production.shop and for service_account.${account} of payments.production.shop; rename one of them`,
    );
  });

  it('refuses two folders of one parent with one display name', () => {
    expect(
      naming({
        file: 'payments/staging/environment.yaml',
        replace: 'displayName: Staging',
        with: 'displayName: Production',
      }),
    ).toEqual([
      'naming/collision payments/production/environment.yaml:4:9 ~ payments/staging/environment.yaml:4',
      'naming/collision payments/staging/environment.yaml:4:9 ~ payments/production/environment.yaml:4',
    ]);
  });

  it('refuses two GitHub repositories of one name in two connections', () => {
    expect(
      naming(
        {
          file: 'github/other.yaml',
          content: `apiVersion: lowops.manifests.v1
kind: GithubConnection
metadata:
  name: other
  organization: acme
spec:
  owner: acme-other
  authenticationMethod: GITHUB_APP
`,
        },
        {
          file: 'github/other/shop.yaml',
          content: `apiVersion: lowops.manifests.v1
kind: GithubRepository
metadata:
  name: shop
  github-connection: other
  organization: acme
spec:
  description: Another shop
`,
        },
      ),
    ).toEqual([
      'naming/collision github/other/shop.yaml:4:9 ~ github/shop/repository.yaml:4',
      'naming/collision github/shop/repository.yaml:4:9 ~ github/other/shop.yaml:4',
    ]);
  });
});

describe('naming/unrepresentable', () => {
  it('refuses a folder display name Google Cloud would refuse, where it is written', () => {
    expect(
      naming({
        file: 'payments/production/environment.yaml',
        replace: 'displayName: Production',
        with: 'displayName: Production (EU)',
      }),
    ).toEqual(['naming/unrepresentable payments/production/environment.yaml:8:16']);
  });
});
