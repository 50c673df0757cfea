import type { Finding, PlanCheckOptions } from './plan-rule.ts';
import type { PlannedResource } from './read-plan.ts';

/**
 * Resources whose loss cannot be undone, with what is lost: a push never destroys or
 * replaces one unless the manifests allow it for its module call (the rendered
 * `infrastream_allowed_replacements` output); `check-plan --allow-destroy` makes it a
 * warning, for a run a person asked for.
 */
export const protectedResources: Readonly<Record<string, string>> = {
  google_alloydb_cluster: 'the database, its backups and its point-in-time recovery',
  google_alloydb_instance: 'the database instance that serves the cluster',
  google_artifact_registry_repository: 'every image in the repository',
  google_folder: 'the folder, its policies and its grants',
  google_kms_crypto_key: 'the key material, and with it whatever the key encrypted',
  google_kms_crypto_key_version: 'the key version, and with it whatever it encrypted',
  google_kms_key_ring: 'the key ring, whose name can never be used again',
  google_project: 'the project and every resource in it',
  google_pubsub_subscription: 'the messages not yet acknowledged',
  google_pubsub_topic: 'the messages retained on the topic',
  google_secret_manager_secret: 'every version of the secret',
  google_secret_manager_secret_version: 'the secret value',
  google_sql_database: 'the database',
  google_sql_database_instance: 'the database instance and its backups',
  google_storage_bucket: 'every object in the bucket',
};

/**
 * The modules of the data-bearing declarations (Database, Bucket, Secret, PubSub), the
 * only calls whose loss the manifests can allow: an allowance naming any other call, or a
 * module from anywhere but `terraform-modules/`, is not honoured.
 */
const ALLOWABLE_MODULES: readonly string[] = ['alloydb', 'bucket', 'pubsub-topic', 'secret'];

/** The types of {@link protectedResources}. */
export const protectedResourceTypes: readonly string[] = Object.keys(protectedResources);

/** Destroying or replacing a protected resource. */
export function checkProtectedDestroy(
  resource: PlannedResource,
  options: PlanCheckOptions,
): Finding[] {
  if (!resource.actions.includes('delete')) return [];
  const what = resource.actions.includes('create') ? 'replaces' : 'destroys';
  const lost = protectedResources[resource.type] ?? 'data';
  if (
    resource.allowance !== undefined &&
    resource.module !== undefined &&
    ALLOWABLE_MODULES.includes(resource.module)
  ) {
    return [
      {
        message: `the plan ${what} this ${resource.type}, losing ${lost}; its declaration allows it: ${resource.allowance}`,
        severity: 'warning',
      },
    ];
  }
  return options.allowDestroy === true
    ? [
        {
          message: `the plan ${what} this ${resource.type}; allowed for this run`,
          severity: 'warning',
        },
      ]
    : [
        {
          message: `the plan ${what} this ${resource.type}, losing ${lost}, which cannot be undone; a push never destroys it (change the manifests or the module so that it is kept)`,
        },
      ];
}
