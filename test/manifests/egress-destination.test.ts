import { describe, expect, it } from 'vitest';
import {
  firstAddress,
  parseEgressDestination,
} from '../../shared/core/manifests/egress-destination.ts';

describe('parseEgressDestination', () => {
  it.each([
    ['api.sendgrid.com', { type: 'host', host: 'api.sendgrid.com' }],
    ['*.googleapis.com', { type: 'wildcard', suffix: 'googleapis.com' }],
    ['*', { type: 'everything' }],
    ['203.0.113.0/24', { type: 'cidr', version: 4, address: '203.0.113.0', prefix: 24 }],
    ['0.0.0.0/0', { type: 'cidr', version: 4, address: '0.0.0.0', prefix: 0 }],
    ['2001:db8::/32', { type: 'cidr', version: 6, address: '2001:db8::', prefix: 32 }],
    ['::/0', { type: 'cidr', version: 6, address: '::', prefix: 0 }],
  ])('reads %s', (entry, expected) => {
    expect(parseEgressDestination(entry)).toEqual(expected);
  });

  it.each([
    ['10.0.0.1/8', 'host bits set'],
    ['10.0.0.0/33', 'prefix too long'],
    ['256.0.0.0/8', 'octet out of range'],
    ['2001:db8::1/32', 'IPv6 host bits set'],
    ['1:2:3:4:5:6:7:8:9/64', 'too many IPv6 groups'],
    ['http://example.com', 'a URL'],
    ['*.', 'an empty wildcard'],
    ['a.*.example.com', 'a wildcard in the middle'],
    ['Example.COM', 'upper case'],
    ['localhost', 'not fully qualified'],
    ['10.0.0.0', 'an address without a prefix'],
  ])('refuses %s (%s)', (entry) => {
    expect(parseEgressDestination(entry)).toBeUndefined();
  });

  it.each([
    ['203.0.113.0/24', 0xcb007100n],
    ['0.0.0.0/0', 0n],
    ['2001:db8::/32', 0x20010db8n << 96n],
    ['::ffff:0:0/96', 0xffffn << 32n],
    ['64:ff9b:1::/48', 0x0064ff9b0001n << 80n],
  ])('gives the first address of %s as an integer', (entry, expected) => {
    const range = parseEgressDestination(entry);
    expect(range?.type).toBe('cidr');
    if (range?.type === 'cidr') expect(firstAddress(range)).toBe(expected);
  });
});
