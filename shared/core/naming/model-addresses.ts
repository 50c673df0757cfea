/**
 * Addresses of the resources a workspace model holds: `<type>.<name>[.<name>…]`. Types
 * are `[a-z_]+` and names hold no `.`, so an address gives back its type and its names;
 * within a type, the variants differ in how many names they have or in a fixed first
 * name, so no two things share an address unless they are the same thing.
 */

/** `<type>.<names…>`. */
export function modelAddress(type: string, ...names: readonly string[]): string {
  return [type, ...names].join('.');
}

/** The type and the names of an address: `secret.shop.main.connection` → `secret`, three names. */
export function addressParts(address: string): { type: string; names: string[] } {
  const [type = '', ...names] = address.split('.');
  return { type, names };
}

/** The name part of an address: `secret.stripe-key` → `stripe-key`, `folder.a.b` → `a.b`. */
export function nameOf(address: string): string {
  const at = address.indexOf('.');
  return at === -1 ? '' : address.slice(at + 1);
}

/** A unit's folder, or one of its environments' folders. */
export function folderAddress(unit: string, environment?: string): string {
  return environment === undefined
    ? modelAddress('folder', unit)
    : modelAddress('folder', unit, environment);
}

/** What pushes messages to a service: a topic's subscription or a bucket's notification. */
export type PushSource = 'pubsub_subscription' | 'bucket_notification';

/**
 * The model name of the identity a push authenticates as: `push.<topic>.<service>` for a
 * topic, `push.bucket.<bucket>.<service>` for a bucket, so that a topic and a bucket of
 * one name pushing to one service are two identities. Application identities are named
 * by the application, a single name without dots, so none is ever one of these.
 */
export function pushIdentity(type: PushSource, source: string, deploymentConfig: string): string {
  return type === 'bucket_notification'
    ? `push.bucket.${source}.${deploymentConfig}`
    : `push.${source}.${deploymentConfig}`;
}

/**
 * The model name of the generated secret holding an application's connection string to a
 * database: `<app>.<database>.connection`, which no Secret's name can be.
 */
export function connectionSecret(application: string, database: string): string {
  return `${application}.${database}.connection`;
}
