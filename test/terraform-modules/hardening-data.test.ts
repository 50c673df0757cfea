// Hardening facts of the data modules: bucket, kms-key, secret, pubsub-topic, alloydb and
// artifact-registry.
import { describe, expect, it } from 'vitest';
import {
  allBlocks,
  blocks,
  dynamicBlocks,
  dynamicHeaders,
  label,
  loadModules,
  moduleNamed,
  path,
  resourcesOfType,
  text,
  validationText,
} from './load-modules.ts';

const modules = await loadModules();
const buckets = resourcesOfType(modules, 'google_storage_bucket');
const keys = resourcesOfType(modules, 'google_kms_crypto_key');
const topics = resourcesOfType(modules, 'google_pubsub_topic');
const clusters = resourcesOfType(modules, 'google_alloydb_cluster');
const instances = resourcesOfType(modules, 'google_alloydb_instance');
const repositories = resourcesOfType(modules, 'google_artifact_registry_repository');

describe('terraform-modules: bucket', () => {
  it('has buckets to check', () => {
    expect(buckets.length).toBeGreaterThan(0);
  });

  it('CKV_GCP_29: every google_storage_bucket has uniform_bucket_level_access = true (literal)', () => {
    for (const bucket of buckets) {
      expect(bucket.body.uniform_bucket_level_access, label(bucket)).toBe(true);
    }
  });

  it('CKV_GCP_114: every google_storage_bucket has public_access_prevention = "enforced" (literal)', () => {
    for (const bucket of buckets) {
      expect(bucket.body.public_access_prevention, label(bucket)).toBe('enforced');
    }
  });

  it('CKV_GCP_78: every bucket has versioning enabled', () => {
    for (const bucket of buckets) {
      expect(blocks(bucket.body, 'versioning')[0]?.enabled, label(bucket)).toBe(true);
    }
  });

  it('CKV_GCP_62: every bucket logs access to a log bucket given as a required input', () => {
    const bucketModule = moduleNamed(modules, 'bucket');
    for (const bucket of buckets) {
      expect(blocks(bucket.body, 'logging')[0]?.log_bucket, label(bucket)).toBe(
        '${var.log_bucket}',
      );
    }
    const logBucket = bucketModule.variables.get('log_bucket')?.body;
    expect(logBucket?.nullable).toBe(false);
    expect(logBucket && 'default' in logBucket).toBe(false);
  });

  it('CKV_GCP_63: a bucket never logs to itself', () => {
    for (const bucket of buckets) {
      const conditions = blocks(blocks(bucket.body, 'lifecycle')[0] ?? {}, 'precondition').map(
        (precondition) => precondition.condition,
      );
      expect(conditions, label(bucket)).toContain('${var.log_bucket != var.name}');
    }
  });

  it('INFRASTREAM_BUCKET_NO_FORCE_DESTROY: force_destroy = false (literal)', () => {
    for (const bucket of buckets) {
      expect(bucket.body.force_destroy, label(bucket)).toBe(false);
    }
  });

  it('INFRASTREAM_BUCKET_SOFT_DELETE: soft delete is always kept, for at least 7 days', () => {
    const retention = moduleNamed(modules, 'bucket').variables.get('soft_delete_retention_days');
    expect(retention?.body.default).toBeGreaterThanOrEqual(7);
    expect(validationText(retention)).toContain('var.soft_delete_retention_days >= 7');
    for (const bucket of buckets) {
      expect(
        blocks(bucket.body, 'soft_delete_policy')[0]?.retention_duration_seconds,
        label(bucket),
      ).toBe('${var.soft_delete_retention_days * 86400}');
    }
  });

  it('INFRASTREAM_BUCKET_CMEK: a customer-managed key is the default encryption key when given', () => {
    for (const bucket of buckets) {
      expect(dynamicBlocks(bucket.body, 'encryption')[0]?.default_kms_key_name, label(bucket)).toBe(
        '${encryption.value}',
      );
    }
  });
});

describe('terraform-modules: kms-key', () => {
  const kms = moduleNamed(modules, 'kms-key');

  it('CKV_GCP_43: KMS keys rotate within 90 days (7776000s), enforced by validation', () => {
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.body.rotation_period, label(key)).toBe('${var.rotation_period}');
    }
    const rotation = kms.variables.get('rotation_period');
    expect(Number(text(rotation?.body.default).replace(/s$/, ''))).toBeLessThanOrEqual(7776000);
    expect(validationText(rotation)).toContain('<= 7776000');
  });

  it('CKV_GCP_82: KMS keys are protected from deletion', () => {
    for (const key of keys) {
      expect(blocks(key.body, 'lifecycle')[0]?.prevent_destroy, label(key)).toBe(true);
    }
  });

  it('INFRASTREAM_KMS_DESTROY_SCHEDULED: destroyed key versions stay recoverable for 30 days', () => {
    for (const key of keys) {
      expect(key.body.destroy_scheduled_duration, label(key)).toBe('2592000s');
    }
  });

  it('CKV_GCP_112: only Google service agents may encrypt and decrypt', () => {
    const grants = resourcesOfType(modules, 'google_kms_crypto_key_iam_member');
    expect(grants.map((grant) => grant.body.role)).toEqual([
      'roles/cloudkms.cryptoKeyEncrypterDecrypter',
    ]);
    expect(validationText(kms.variables.get('encrypter_decrypter_members'))).toContain(
      '^serviceAccount:(service-[0-9]+@',
    );
  });
});

describe('terraform-modules: secret', () => {
  it('INFRASTREAM_SECRET_CONTAINER_ONLY: secrets are replicated containers whose access is granted per principal', () => {
    const secrets = resourcesOfType(modules, 'google_secret_manager_secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      const replication = blocks(secret.body, 'replication')[0] ?? {};
      expect(
        dynamicHeaders(replication, 'auto').length +
          dynamicHeaders(replication, 'user_managed').length,
        label(secret),
      ).toBe(2);
      expect(JSON.stringify(secret.body), label(secret)).toContain('customer_managed_encryption');
    }
    const grants = resourcesOfType(modules, 'google_secret_manager_secret_iam_member');
    expect(grants.map((grant) => grant.body.role)).toEqual(['roles/secretmanager.secretAccessor']);
  });
});

describe('terraform-modules: pubsub-topic', () => {
  it('INFRASTREAM_PUBSUB_IN_TRANSIT: every topic pins storage and processing to allowed regions', () => {
    expect(topics.length).toBeGreaterThan(0);
    for (const topic of topics) {
      const policy = blocks(topic.body, 'message_storage_policy')[0];
      expect(policy?.enforce_in_transit, label(topic)).toBe(true);
      expect(policy?.allowed_persistence_regions, label(topic)).toBe(
        '${var.allowed_persistence_regions}',
      );
    }
  });

  it('CKV_GCP_83: every topic takes a customer-managed key when one is given', () => {
    for (const topic of topics) {
      expect(topic.body.kms_key_name, label(topic)).toBe('${var.kms_key_name}');
    }
  });

  it('INFRASTREAM_PUBSUB_AUTHENTICATED_PUSH: push subscriptions use OIDC tokens, HTTPS endpoints and a dead-letter policy', () => {
    const pubsub = moduleNamed(modules, 'pubsub-topic');
    const pushes = resourcesOfType(modules, 'google_pubsub_subscription').filter(
      (subscription) => blocks(subscription.body, 'push_config').length > 0,
    );
    expect(pushes.length).toBeGreaterThan(0);
    for (const push of pushes) {
      expect(path(push.body, 'push_config', 'oidc_token')?.service_account_email, label(push)).toBe(
        '${each.value.service_account_email}',
      );
      expect(blocks(push.body, 'dead_letter_policy')[0]?.dead_letter_topic, label(push)).toBe(
        '${google_pubsub_topic.dead_letter.id}',
      );
    }
    expect(validationText(pubsub.variables.get('push_subscriptions'))).toContain(
      'startswith(sub.push_endpoint, \\"https://\\")',
    );
  });
});

describe('terraform-modules: alloydb', () => {
  it('INFRASTREAM_ALLOYDB_SSL_ENCRYPTED_ONLY: every instance refuses unencrypted connections', () => {
    expect(instances.length).toBeGreaterThan(0);
    for (const instance of instances) {
      expect(
        path(instance.body, 'client_connection_config', 'ssl_config')?.ssl_mode,
        label(instance),
      ).toBe('ENCRYPTED_ONLY');
    }
  });

  it('INFRASTREAM_ALLOYDB_NO_PUBLIC_IP: private IP only, no public IP and no authorized external networks', () => {
    for (const instance of instances) {
      const network = path(instance.body, 'network_config');
      expect(network?.enable_public_ip, label(instance)).toBe(false);
      expect(allBlocks(network ?? {}, 'authorized_external_networks'), label(instance)).toEqual([]);
    }
    for (const cluster of clusters) {
      expect(path(cluster.body, 'network_config')?.network, label(cluster)).toBe('${var.network}');
    }
  });

  it('INFRASTREAM_ALLOYDB_IAM_AUTH: IAM database authentication is on, and users are IAM users without passwords', () => {
    for (const instance of instances) {
      const flags = instance.body.database_flags;
      expect(flags, label(instance)).toMatchObject({ 'alloydb.iam_authentication': 'on' });
    }
    for (const cluster of clusters) {
      expect(cluster.body.initial_user, label(cluster)).toBeUndefined();
    }
    const users = resourcesOfType(modules, 'google_alloydb_user');
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) {
      expect(user.body.user_type, label(user)).toBe('ALLOYDB_IAM_USER');
      expect(user.body.password, label(user)).toBeUndefined();
      // Keyed by the caller; a service account's database user drops .gserviceaccount.com.
      expect(user.body.for_each, label(user)).toBe('${var.iam_users}');
      expect(user.body.user_id, label(user)).toBe(
        '${trimsuffix(each.value, ".gserviceaccount.com")}',
      );
    }
  });

  it('INFRASTREAM_ALLOYDB_BACKUPS: automated and continuous backups are always enabled', () => {
    expect(clusters.length).toBeGreaterThan(0);
    for (const cluster of clusters) {
      expect(path(cluster.body, 'automated_backup_policy')?.enabled, label(cluster)).toBe(true);
      expect(path(cluster.body, 'continuous_backup_config')?.enabled, label(cluster)).toBe(true);
    }
  });

  it('INFRASTREAM_ALLOYDB_CMEK: the cluster and both backup kinds take a customer-managed key when given', () => {
    for (const cluster of clusters) {
      for (const holder of [
        cluster.body,
        path(cluster.body, 'automated_backup_policy') ?? {},
        path(cluster.body, 'continuous_backup_config') ?? {},
      ]) {
        expect(dynamicBlocks(holder, 'encryption_config')[0]?.kms_key_name, label(cluster)).toBe(
          '${encryption_config.value}',
        );
      }
    }
  });
});

describe('terraform-modules: artifact-registry', () => {
  it('INFRASTREAM_REGISTRY_SCANNING: vulnerability scanning is inherited, never disabled', () => {
    expect(repositories.length).toBeGreaterThan(0);
    for (const repository of repositories) {
      expect(
        blocks(repository.body, 'vulnerability_scanning_config')[0]?.enablement_config,
        label(repository),
      ).toBe('INHERITED');
    }
  });

  it('INFRASTREAM_REGISTRY_PRIVATE_IMMUTABLE: standard (private) repositories with immutable Docker tags', () => {
    for (const repository of repositories) {
      expect(repository.body.mode, label(repository)).toBe('STANDARD_REPOSITORY');
      expect(dynamicBlocks(repository.body, 'docker_config')[0]?.immutable_tags).toBe(true);
    }
  });

  it('CKV_GCP_84: repositories take a customer-managed key when one is given', () => {
    for (const repository of repositories) {
      expect(repository.body.kms_key_name, label(repository)).toBe('${var.kms_key_name}');
    }
  });
});
