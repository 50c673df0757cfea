import {
  firstAddress,
  parseEgressDestination,
  type CidrRange,
} from '../manifests/egress-destination.ts';

/** Addresses from `start` included to `end` excluded, as unsigned integers. */
export interface AddressInterval {
  readonly start: bigint;
  readonly end: bigint;
}

/** What some CIDR ranges reach of the public internet: sorted, merged intervals. */
export interface PublicReach {
  /** Public IPv4 addresses, reached directly or through an IPv6 prefix that embeds IPv4. */
  readonly ipv4: readonly AddressInterval[];
  /** Public IPv6 addresses that stand for no IPv4 address. */
  readonly ipv6: readonly AddressInterval[];
  /** The IPv6 embeddings of IPv4 the ranges go through, such as `IPv4-mapped`. */
  readonly embeddings: readonly string[];
}

/** Where the 32 bits of an IPv4 address sit in an IPv6 address of an embedding. */
interface Layout {
  /** The IPv6 bit (0 is the most significant) of the IPv4 address's first bit. */
  readonly start: number;
  /** RFC 6052 keeps bits 64-71 zero: IPv4 bits that would fall there come 8 bits later. */
  readonly skipsBits64To71?: boolean;
  /** Teredo writes its client's address with every bit inverted. */
  readonly inverted?: boolean;
}

/** An IPv6 prefix whose addresses stand for IPv4 addresses, by one layout or several. */
interface Embedding {
  readonly name: string;
  readonly prefix: AddressInterval;
  readonly length: number;
  readonly layouts: readonly Layout[];
}

const IPV4_BITS = 32;
const IPV6_BITS = 128;

/** The interval of a range written as text; only for the tables below, which are known good. */
function written(text: string): { readonly interval: AddressInterval; readonly length: number } {
  const range = parseEgressDestination(text);
  if (range?.type !== 'cidr') throw new Error(`not a CIDR range: ${text}`);
  return { interval: intervalOf(range), length: range.prefix };
}

function embedding(name: string, prefix: string, layouts: readonly Layout[]): Embedding {
  const { interval, length } = written(prefix);
  return { name, prefix: interval, length, layouts };
}

/**
 * IPv6 prefixes that reach IPv4 hosts: a workload allowed one of them is allowed the IPv4
 * addresses it embeds, through a translator, a relay or the host's own stack. The
 * local-use NAT64 prefix may be cut at any length RFC 6052 allows, so every layout counts.
 */
const EMBEDDINGS: readonly Embedding[] = [
  embedding('IPv4-compatible', '::/96', [{ start: 96 }]),
  embedding('IPv4-mapped', '::ffff:0:0/96', [{ start: 96 }]),
  embedding('IPv4-translated', '::ffff:0:0:0/96', [{ start: 96 }]),
  embedding('NAT64', '64:ff9b::/96', [{ start: 96 }]),
  embedding('local-use NAT64', '64:ff9b:1::/48', [
    { start: 48, skipsBits64To71: true },
    { start: 56, skipsBits64To71: true },
    { start: 64, skipsBits64To71: true },
    { start: 96 },
  ]),
  embedding('6to4', '2002::/16', [{ start: 16 }]),
  // The server's address, then the client's (inverted): a Teredo address reaches both.
  embedding('Teredo', '2001::/32', [{ start: 32 }, { start: 96, inverted: true }]),
];

/**
 * IPv4 that is not the public internet: the special-purpose blocks that are not globally
 * reachable (RFC 6890 and its registry), multicast and the reserved 240.0.0.0/4.
 */
const NOT_PUBLIC_IPV4 = mergeIntervals(
  [
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.0.0.0/24',
    '192.0.2.0/24',
    '192.168.0.0/16',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '224.0.0.0/4',
    '240.0.0.0/4',
  ].map((text) => written(text).interval),
);

/**
 * IPv6 that is not the public internet: everything outside global unicast 2000::/3, the
 * only block IANA allocates from (so also the embeddings below 2000::, counted as IPv4),
 * and inside it the IETF's protocol block (with Teredo), 6to4 and the documentation blocks.
 */
const NOT_PUBLIC_IPV6 = mergeIntervals(
  ['::/3', '4000::/2', '8000::/1', '2001::/23', '2001:db8::/32', '2002::/16', '3fff::/20'].map(
    (text) => written(text).interval,
  ),
);

/** Every public IPv4 address, to say what share of the internet a reach is. */
export const PUBLIC_IPV4_ADDRESSES = 2n ** BigInt(IPV4_BITS) - addressCount(NOT_PUBLIC_IPV4);

/**
 * The public internet that CIDR ranges reach together, measured exactly: each range
 * becomes an interval (an IPv6 range that embeds IPv4 also becomes the IPv4 intervals it
 * stands for), the intervals of each family are sorted and merged, and what is not public
 * is subtracted. Sorting dominates: n log n in the number of ranges.
 */
export function publicReach(ranges: readonly CidrRange[]): PublicReach {
  const ipv4: AddressInterval[] = [];
  const ipv6: AddressInterval[] = [];
  const embeddings = new Set<string>();
  for (const range of ranges) {
    const interval = intervalOf(range);
    if (range.version === 4) {
      ipv4.push(interval);
      continue;
    }
    ipv6.push(interval);
    for (const candidate of EMBEDDINGS) {
      const shared = intersection(interval, range.prefix, candidate);
      if (shared === undefined) continue;
      embeddings.add(candidate.name);
      for (const layout of candidate.layouts) ipv4.push(embeddedIpv4(shared, layout));
    }
  }
  return {
    ipv4: subtractIntervals(mergeIntervals(ipv4), NOT_PUBLIC_IPV4),
    ipv6: subtractIntervals(mergeIntervals(ipv6), NOT_PUBLIC_IPV6),
    embeddings: [...embeddings],
  };
}

/** How many addresses intervals that do not overlap hold. */
export function addressCount(intervals: readonly AddressInterval[]): bigint {
  return intervals.reduce((sum, interval) => sum + interval.end - interval.start, 0n);
}

function intervalOf(range: CidrRange): AddressInterval {
  const start = firstAddress(range);
  const width = range.version === 4 ? IPV4_BITS : IPV6_BITS;
  return { start, end: start + 2n ** BigInt(width - range.prefix) };
}

/**
 * The part of an IPv6 range inside an embedding's prefix, as an address and a length.
 * Two CIDR ranges are disjoint or one holds the other: the part is the smaller one.
 */
function intersection(
  range: AddressInterval,
  length: number,
  embedding: Embedding,
): { readonly start: bigint; readonly length: number } | undefined {
  const { prefix } = embedding;
  if (range.end <= prefix.start || prefix.end <= range.start) return undefined;
  return length >= embedding.length
    ? { start: range.start, length }
    : { start: prefix.start, length: embedding.length };
}

/**
 * The IPv4 addresses an IPv6 range of an embedding stands for: the IPv4 bits the range
 * fixes (those at IPv6 positions before its length) are a prefix of the IPv4 address, so
 * the answer is one IPv4 interval; the bits it leaves free may be anything.
 */
function embeddedIpv4(
  range: { readonly start: bigint; readonly length: number },
  layout: Layout,
): AddressInterval {
  let value = 0n;
  let fixed = 0;
  for (let bit = 0; bit < IPV4_BITS; bit++) {
    let position = layout.start + bit;
    if (layout.skipsBits64To71 === true && position >= 64) position += 8;
    if (position >= range.length) break;
    value = (value << 1n) | ((range.start >> BigInt(IPV6_BITS - 1 - position)) & 1n);
    fixed++;
  }
  if (layout.inverted === true) value ^= 2n ** BigInt(fixed) - 1n;
  const size = 2n ** BigInt(IPV4_BITS - fixed);
  return { start: value * size, end: (value + 1n) * size };
}

/** Sorted by start, overlapping and touching intervals joined. */
function mergeIntervals(intervals: readonly AddressInterval[]): AddressInterval[] {
  const sorted = [...intervals].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  const merged: AddressInterval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && interval.start <= last.end) {
      if (interval.end > last.end)
        merged[merged.length - 1] = { start: last.start, end: interval.end };
    } else merged.push(interval);
  }
  return merged;
}

/** What of merged intervals `from` is not in merged intervals `removed`, in one pass. */
function subtractIntervals(
  from: readonly AddressInterval[],
  removed: readonly AddressInterval[],
): AddressInterval[] {
  const result: AddressInterval[] = [];
  let first = 0;
  for (const interval of from) {
    while (first < removed.length && (removed[first] as AddressInterval).end <= interval.start)
      first++;
    let start = interval.start;
    for (let i = first; i < removed.length; i++) {
      const cut = removed[i] as AddressInterval;
      if (cut.start >= interval.end) break;
      if (cut.start > start) result.push({ start, end: cut.start });
      if (cut.end > start) start = cut.end;
    }
    if (start < interval.end) result.push({ start, end: interval.end });
  }
  return result;
}
