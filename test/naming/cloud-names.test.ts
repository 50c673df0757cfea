import { describe, expect, it } from 'vitest';
import {
  bucketName,
  cloudRunServiceName,
  egressRangeRule,
  folderDisplayName,
  FOLDER_DISPLAY_NAME,
  projectId,
  serviceAccountId,
  subscriptionName,
  topicName,
  workspaceLabel,
} from '../../shared/core/naming/cloud-names.ts';
import { terraformLabel } from '../../shared/core/naming/terraform-labels.ts';

const longest = (length: number, last = 'b') => `${'a'.repeat(length - 1)}${last}`;
const LENGTHS = [1, 5, 6, 29, 30, 31, 48, 49, 50, 62, 63];

describe('Google Cloud names', () => {
  it('keep project ids within 30 and apart for every prefix, the unit included', () => {
    for (const prefix of ['ab', 'example', 'abcdefghij']) {
      for (const length of LENGTHS) {
        const name = longest(length);
        const id = projectId(prefix, `${name}.${name}.${name}`);
        expect([id, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(id)]).toEqual([id, true]);
        expect(id.startsWith(`${prefix}-`)).toBe(true);
      }
      expect(projectId(prefix, 'shop.production.store')).not.toBe(
        projectId(prefix, 'warehouse.production.store'),
      );
      expect(projectId(prefix, 'a-b.c.d')).not.toBe(projectId(prefix, 'a.b-c.d'));
    }
  });

  it('keep bucket names within 63, without "google"', () => {
    const name = longest(63);
    const bucket = bucketName('abcdefghij', `${name}.${name}.${name}`, name);
    expect(bucket.length).toBeLessThanOrEqual(63);
    expect(bucketName('example', 'google.g00gle.google', 'google')).not.toMatch(/g[o0]{2}gle/);
  });

  it('give account ids of 6-30 characters to applications and push identities of any name', () => {
    for (const length of LENGTHS) {
      const name = longest(length);
      for (const identity of [name, `push.${name}.${name}`, `push.bucket.${name}.${name}`]) {
        const id = serviceAccountId('a.b.c', identity);
        expect([identity, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(id)]).toEqual([identity, true]);
      }
    }
    // Applications keep the ids they always had; push identities end with their hash.
    expect(serviceAccountId('a.b.c', 'shipment-api')).toBe('shipment-api');
    expect(serviceAccountId('a.b.c', 'push.a-b.c')).not.toBe(
      serviceAccountId('a.b.c', 'push.a.b-c'),
    );
    expect(serviceAccountId('a.b.c', 'push.x.y')).not.toBe(
      serviceAccountId('a.b.c', 'push.bucket.x.y'),
    );
  });

  it('cut Cloud Run service names past 49, keeping them apart', () => {
    expect(cloudRunServiceName('a.b.c', longest(49))).toBe(longest(49));
    expect(cloudRunServiceName('a.b.c', longest(63)).length).toBe(49);
    expect(cloudRunServiceName('a.b.c', longest(63))).not.toBe(
      cloudRunServiceName('a.b.c', longest(63, 'c')),
    );
  });

  it('name topics and subscriptions as Pub/Sub allows, and tell a-to-b to c from a to b-to-c', () => {
    expect(topicName('events')).toBe('events');
    expect(topicName('go')).toBe('topic_go');
    expect(topicName('google-events')).toBe('topic_google-events');
    expect(subscriptionName('shipment-events', 'notifier')).toBe('shipment-events-to-notifier');
    expect(subscriptionName('a-to-b', 'c')).not.toBe(subscriptionName('a', 'b-to-c'));
    expect(subscriptionName('a-to-b', 'c')).toBe('a-to-b_to_c');
  });

  it('name IPv6 egress rules so that where "::" stands tells ranges apart', () => {
    expect(egressRangeRule(4, '203.0.113.0/24')).toBe('allow-egress-ipv4-203-0-113-0-24');
    expect(egressRangeRule(6, '2001:db8::/128')).not.toBe(egressRangeRule(6, '2001::db8/128'));
  });

  it('give every folder a display name the folder module accepts', () => {
    for (const length of LENGTHS) {
      const name = longest(length);
      for (const address of [`folder.${name}`, `folder.unit.${name}`]) {
        expect(FOLDER_DISPLAY_NAME.test(folderDisplayName(address, name))).toBe(true);
      }
    }
    expect(folderDisplayName('folder.shipping.qa', 'qa')).toBe('qa environment');
    expect(folderDisplayName('folder.shipping', 'Shipping')).toBe('Shipping');
  });

  it('keep the workspace label within the 63 characters of a label value', () => {
    const name = longest(63);
    expect(workspaceLabel('shipping.production.store')).toBe('shipping_production_store');
    expect(workspaceLabel(`${name}.${name}.${name}`).length).toBeLessThanOrEqual(63);
  });
});

describe('Terraform labels', () => {
  it('give back the kind and every name', () => {
    expect(terraformLabel('secret', 'stripe-key')).toBe('secret_stripe_key');
    expect(terraformLabel('secret', 'shop.main.connection')).toBe('secret_shop-main-connection');
    expect(terraformLabel('secret', 'shop-main-connection')).toBe('secret_shop_main_connection');
  });
});
