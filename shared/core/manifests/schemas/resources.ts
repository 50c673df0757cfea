import * as v from 'valibot';
import { integer, name, permissions, region, strict, text, urlPath } from '../fields.ts';

/**
 * What a data-bearing declaration allows to happen to its data: `allowReplacement` names
 * why its resource may be destroyed, by a change that replaces it or by removing the
 * declaration afterwards. Without it the plan refuses either.
 */
const lifecycle = strict({
  allowReplacement: v.pipe(
    text,
    v.regex(/\S/, 'expected the reason the data may be lost, found an empty text'),
  ),
});

/** A push delivery to the service of a DeploymentConfig in the same project. */
const notification = strict({ deploymentConfig: name, path: v.optional(urlPath) });

/** An AlloyDB cluster with its databases: private IP, encrypted, IAM authentication. */
export const databaseSpec = strict({
  description: v.optional(text),
  lifecycle: v.optional(lifecycle),
  alloydb: v.optional(
    strict({
      cpuCount: v.optional(integer(1, 128)),
      clusterSize: v.optional(integer(1, 20)),
      backupConfig: v.optional(
        strict({ enabled: v.boolean(), quantityBasedRetention: v.optional(integer(1, 365)) }),
      ),
    }),
  ),
  databases: v.optional(v.array(strict({ name }))),
});

/** A Secret Manager container; values are added out of band and never live in Git. */
export const secretSpec = strict({
  description: v.optional(text),
  lifecycle: v.optional(lifecycle),
  permissions: v.optional(permissions),
});

/** A Pub/Sub topic with push subscriptions to services of the same project. */
export const pubSubSpec = strict({
  description: v.optional(text),
  lifecycle: v.optional(lifecycle),
  encrypted: v.optional(v.boolean()),
  allowedPersistenceRegions: v.optional(v.array(region)),
  // Pub/Sub's own bounds for topic retention: ten minutes to 31 days.
  messageRetentionDurationSeconds: v.optional(integer(600, 2_678_400)),
  notifications: v.optional(v.array(notification)),
});

/** A Cloud Storage bucket: uniform access, public access prevention, versioning. */
export const bucketSpec = strict({
  description: v.optional(text),
  lifecycle: v.optional(lifecycle),
  public: v.optional(v.boolean()),
  notifications: v.optional(v.array(notification)),
  scanForMalware: v.optional(v.boolean()),
});
