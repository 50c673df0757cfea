import type { AccessLevel } from '../manifests/permissions.ts';

/**
 * The roles people get, by access level, on the organization, a folder (unit or
 * environment) or a project. This table is the one place that says what "administrator",
 * "contributor" and "viewer" mean on Google Cloud.
 *
 * Invariants, checked by tests:
 * - no basic role (`roles/owner`, `roles/editor`, `roles/viewer`);
 * - no role that can change IAM (`*.setIamPolicy`) or act as a service account
 *   (`iam.serviceAccounts.actAs`, token creation): access changes go through Git;
 * - no role that reads secret values: values are added out of band, by administrators,
 *   with `secretVersionAdder`, and read only by the applications granted them;
 * - viewers see configuration, metadata, logs and metrics, never data: no role that reads
 *   objects, table rows, messages, database contents, images or secret values;
 * - infra/bootstrap/ lets the build identity grant these roles, and no other, on the
 *   workspaces folder and its folders: a role added here is added there, and bootstrap applied.
 */
export const peopleRoles: Readonly<Record<AccessLevel, readonly string[]>> = {
  administrators: [
    'roles/alloydb.admin',
    'roles/browser',
    'roles/cloudbuild.builds.viewer',
    'roles/iam.securityReviewer',
    'roles/logging.viewer',
    'roles/monitoring.editor',
    'roles/pubsub.editor',
    'roles/run.developer',
    'roles/secretmanager.secretVersionAdder',
    'roles/secretmanager.viewer',
    'roles/storage.objectAdmin',
  ],
  contributors: [
    'roles/alloydb.viewer',
    'roles/browser',
    'roles/cloudbuild.builds.viewer',
    'roles/logging.viewer',
    'roles/monitoring.viewer',
    'roles/pubsub.editor',
    'roles/run.developer',
    'roles/secretmanager.viewer',
    'roles/storage.objectUser',
  ],
  viewers: [
    'roles/alloydb.viewer',
    'roles/browser',
    'roles/logging.viewer',
    'roles/monitoring.viewer',
    'roles/pubsub.viewer',
    'roles/run.viewer',
    'roles/secretmanager.viewer',
    'roles/storage.bucketViewer',
  ],
};

/** Roles on one secret, from its own `permissions`: metadata for all, new versions for administrators. */
export const secretRoles: Readonly<Record<AccessLevel, readonly string[]>> = {
  administrators: ['roles/secretmanager.secretVersionAdder', 'roles/secretmanager.viewer'],
  contributors: ['roles/secretmanager.viewer'],
  viewers: ['roles/secretmanager.viewer'],
};

/**
 * GitHub repository roles of the teams and people in a GithubRepository's `permissions`.
 * Administrators maintain (not admin: branch protection and access stay in Git).
 */
export const repositoryRoles: Readonly<Record<AccessLevel, string>> = {
  administrators: 'maintain',
  contributors: 'push',
  viewers: 'pull',
};

/** The narrow roles that workloads and Google's agents receive, on one resource each. */
export const workloadRoles = {
  secretAccessor: 'roles/secretmanager.secretAccessor',
  publisher: 'roles/pubsub.publisher',
  invoker: 'roles/run.invoker',
  iapAccessor: 'roles/iap.httpsResourceAccessor',
  registryReader: 'roles/artifactregistry.reader',
  registryWriter: 'roles/artifactregistry.writer',
} as const;

/**
 * Roles no binding may ever carry: basic roles, and roles that change IAM or impersonate
 * service accounts. The compiler never produces them; tests assert it on every output.
 */
export const forbiddenRoles: ReadonlySet<string> = new Set([
  'roles/owner',
  'roles/editor',
  'roles/viewer',
  'roles/resourcemanager.organizationAdmin',
  'roles/resourcemanager.folderAdmin',
  'roles/resourcemanager.folderIamAdmin',
  'roles/resourcemanager.projectIamAdmin',
  'roles/iam.securityAdmin',
  'roles/iam.roleAdmin',
  'roles/iam.serviceAccountAdmin',
  'roles/iam.serviceAccountUser',
  'roles/iam.serviceAccountTokenCreator',
  'roles/iam.serviceAccountKeyAdmin',
  'roles/iam.workloadIdentityUser',
  'roles/run.admin',
  'roles/pubsub.admin',
  'roles/secretmanager.admin',
  'roles/storage.admin',
  'roles/artifactregistry.admin',
]);

/** Members that would make a resource public. */
export const forbiddenMembers: ReadonlySet<string> = new Set(['allUsers', 'allAuthenticatedUsers']);
