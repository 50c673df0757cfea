import { describe, expect, it } from 'vitest';
import { parseEgressDestination } from '../../shared/core/manifests/egress-destination.ts';

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
});
