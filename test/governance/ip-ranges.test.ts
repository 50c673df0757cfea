import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import {
  addressCount,
  addressRangeOf,
  type AddressRange,
  PUBLIC_IPV4_ADDRESSES,
  publicReach,
  type AddressInterval,
} from '../../shared/core/governance/ip-ranges.ts';
import { parseEgressDestination } from '../../shared/core/manifests/egress-destination.ts';
import { editedOrganization } from '../support/base-organization.ts';

function ranges(...texts: string[]): AddressRange[] {
  return texts.map((text) => {
    const range = parseEgressDestination(text);
    if (range?.type !== 'cidr') throw new Error(`not a range: ${text}`);
    return addressRangeOf(range);
  });
}

/** IPv4 intervals written as `first-last` dotted addresses, to read failures. */
function dotted(intervals: readonly AddressInterval[]): string[] {
  const address = (value: bigint) =>
    [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
  return intervals.map(({ start, end }) => `${address(start)}-${address(end - 1n)}`);
}

describe('publicReach', () => {
  it('merges overlapping and touching ranges and leaves out what is not public', () => {
    const reach = publicReach(
      ranges('8.0.0.0/10', '8.0.0.0/9', '8.64.0.0/10', '8.128.0.0/9', '10.0.0.0/8', '9.0.0.0/8'),
    );
    expect(dotted(reach.ipv4)).toEqual(['8.0.0.0-9.255.255.255']);
    expect(publicReach(ranges('10.0.0.0/8', '192.168.0.0/16', '203.0.113.0/24')).ipv4).toEqual([]);
    expect(dotted(publicReach(ranges('100.0.0.0/8')).ipv4)).toEqual([
      '100.0.0.0-100.63.255.255',
      '100.128.0.0-100.255.255.255',
    ]);
  });

  it('counts every public IPv4 address once, whatever covers it', () => {
    expect(addressCount(publicReach(ranges('0.0.0.0/1', '128.0.0.0/1')).ipv4)).toBe(
      PUBLIC_IPV4_ADDRESSES,
    );
    expect(PUBLIC_IPV4_ADDRESSES).toBe(3_702_258_688n);
  });

  it.each([
    ['::ffff:808:0/112', ['8.8.0.0-8.8.255.255'], ['IPv4-mapped']],
    ['::808:0/112', ['8.8.0.0-8.8.255.255'], ['IPv4-compatible']],
    ['::ffff:0:808:0/112', ['8.8.0.0-8.8.255.255'], ['IPv4-translated']],
    ['64:ff9b::808:0/112', ['8.8.0.0-8.8.255.255'], ['NAT64']],
    ['2002:808::/32', ['8.8.0.0-8.8.255.255'], ['6to4']],
    ['2002:c000:200::/40', [], ['6to4']],
    // Teredo: the server in bits 32-63, the client inverted in bits 96-127.
    ['2001:0:808:808:0:0:f7f7:f6f6/128', ['8.8.8.8-8.8.8.8', '8.8.9.9-8.8.9.9'], ['Teredo']],
    ['2001:0:0:0:0:0:f7f7:0/112', ['8.8.0.0-8.8.255.255'], ['Teredo']],
    // Local-use NAT64 may be cut at /48, /56, /64 or /96; only the /96 layout puts
    // something public here, the others give addresses of 0.0.0.0/8.
    ['64:ff9b:1:0:0:0:808:800/120', ['8.8.8.0-8.8.8.255'], ['local-use NAT64']],
  ])('translates %s into the IPv4 it reaches', (range, ipv4, embeddings) => {
    const reach = publicReach(ranges(range));
    expect(dotted(reach.ipv4)).toEqual(ipv4);
    expect(reach.ipv6).toEqual([]);
    expect(reach.embeddings).toEqual(embeddings);
  });

  it('counts native IPv6 in global unicast only, without the blocks that embed IPv4', () => {
    expect(addressCount(publicReach(ranges('2600::/24')).ipv6)).toBe(2n ** 104n);
    expect(publicReach(ranges('fc00::/7', 'fe80::/10', 'ff00::/8', '2001:db8::/32')).ipv6).toEqual(
      [],
    );
    const half = publicReach(ranges('::/1'));
    expect(addressCount(half.ipv6)).toBe(
      2n ** 125n - 2n ** 105n - 2n ** 96n - 2n ** 112n - 2n ** 108n,
    );
    expect(addressCount(half.ipv4)).toBe(PUBLIC_IPV4_ADDRESSES);
  });
});

/** A partition of the whole space of one family into CIDR ranges, by halving some of them. */
function splitArbitrary(version: 4 | 6) {
  const width = version === 4 ? 32 : 128;
  return fc
    .array(fc.nat(), { minLength: 1, maxLength: 40 })
    .chain((picks) => {
      let parts = [{ start: 0n, prefix: 0 }];
      for (const pick of picks) {
        const splittable = parts.filter((part) => part.prefix < width);
        const part = splittable[pick % splittable.length] as (typeof parts)[number];
        const prefix = part.prefix + 1;
        parts = parts.flatMap((other) =>
          other === part
            ? [
                { start: part.start, prefix },
                { start: part.start + 2n ** BigInt(width - prefix), prefix },
              ]
            : [other],
        );
      }
      return fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length });
    })
    .map((parts) => parts.map((part) => `${write(part.start, version)}/${part.prefix}`));
}

function write(address: bigint, version: 4 | 6): string {
  if (version === 4)
    return [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 255n)).join('.');
  return Array.from({ length: 8 }, (_, group) =>
    ((address >> BigInt(112 - 16 * group)) & 0xffffn).toString(16),
  ).join(':');
}

describe('egress union, by property', () => {
  it('refuses any split of the whole IPv4 or IPv6 space into ranges, in any order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4 as const, 6 as const).chain((version) => splitArbitrary(version)),
        (split) => {
          const files = editedOrganization({
            file: 'payments/production/shop/project.yaml',
            replace: '- 203.0.113.0/24',
            with: split.map((range) => `- "${range}"`).join('\n    '),
          });
          const issues = analyzeRepository(files)
            .issues.filter((issue) => !issue.rule.startsWith('render/'))
            .map((issue) => `${issue.severity} ${issue.rule} ${issue.line}:${issue.column}`);
          expect(issues, split.join(' ')).toEqual(['error policy/egress-union 11:3']);
        },
      ),
      { numRuns: 60 },
    );
  });
});
