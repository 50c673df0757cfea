import {
  firstAddress,
  parseEgressDestination,
  type CidrRange,
} from '../manifests/egress-destination.ts';

/**
 * Address arithmetic for policy and the plan guard: what a set of CIDR ranges reaches of the
 * public internet, each family and every IPv6 spelling of IPv4 counted, as exact numbers.
 */

/** A CIDR range as numbers: its family, its first address and its prefix length. */
export interface AddressRange {
  readonly version: 4 | 6;
  readonly first: bigint;
  readonly prefix: number;
}

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
  return { interval: intervalOf(addressRangeOf(range)), length: range.prefix };
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

/** Every public IPv6 address that stands for no IPv4 one. */
export const PUBLIC_IPV6_ADDRESSES = 2n ** BigInt(IPV6_BITS) - addressCount(NOT_PUBLIC_IPV6);

/** What a list of ranges, as some other tool wrote them, reaches. */
export interface InternetReach {
  /** Every public IPv4 address, every public IPv6 address, or both. */
  readonly internet: readonly ('IPv4' | 'IPv6')[];
  /** Entries that are not CIDR ranges or addresses, which therefore cannot be judged. */
  readonly unreadable: readonly string[];
}

/**
 * Whether ranges in any spelling (`0.0.0.0/1` and `128.0.0.0/1`, `0:0:0:0:0:0:0:0/0`,
 * `::ffff:0:0/96`, a list that leaves out only private space) together reach the whole
 * internet of a family.
 */
export function internetReach(texts: readonly string[]): InternetReach {
  const ranges: AddressRange[] = [];
  const unreadable: string[] = [];
  for (const text of texts) {
    const range = parseAddressRange(text);
    if (range === undefined) unreadable.push(text);
    else ranges.push(range);
  }
  const reach = publicReach(ranges);
  const internet: ('IPv4' | 'IPv6')[] = [];
  if (addressCount(reach.ipv4) === PUBLIC_IPV4_ADDRESSES) internet.push('IPv4');
  if (addressCount(reach.ipv6) === PUBLIC_IPV6_ADDRESSES) internet.push('IPv6');
  return { internet, unreadable };
}

/**
 * `a.b.c.d[/n]` or an IPv6 address in any spelling (`::`, leading zeros, a trailing dotted
 * quad, any case) `[/n]`, as other tools write them; host bits are dropped. Undefined for
 * anything else.
 */
export function parseAddressRange(text: string): AddressRange | undefined {
  const trimmed = text.trim().toLowerCase();
  const slash = trimmed.indexOf('/');
  const addressText = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash === -1 ? undefined : trimmed.slice(slash + 1);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const ipv4 = parseIpv4(addressText);
  const ipv6 = ipv4 === undefined ? parseIpv6(addressText) : undefined;
  const version = ipv4 !== undefined ? 4 : ipv6 !== undefined ? 6 : undefined;
  const address = ipv4 ?? ipv6;
  if (version === undefined || address === undefined) return undefined;
  const bits = version === 4 ? IPV4_BITS : IPV6_BITS;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const size = 2n ** BigInt(bits - prefix);
  return { version, first: address - (address % size), prefix };
}

function parseIpv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0n;
  for (const octet of octets) {
    if (!/^\d{1,3}$/.test(octet) || Number(octet) > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-f:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): string[] | undefined => {
    if (part === undefined || part === '') return [];
    const groups = part.split(':');
    const last = groups.at(-1) ?? '';
    // A trailing dotted quad (::ffff:1.2.3.4) counts as two groups.
    if (last.includes('.')) {
      const ipv4 = parseIpv4(last);
      if (ipv4 === undefined) return undefined;
      groups.splice(-1, 1, (ipv4 >> 16n).toString(16), (ipv4 & 0xffffn).toString(16));
    }
    return groups.every((group) => /^[0-9a-f]{1,4}$/.test(group)) ? groups : undefined;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  // A dotted quad may only end the address.
  if (halves.length === 2 && (halves[0] ?? '').includes('.')) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

/**
 * The public internet that CIDR ranges reach together, measured exactly: each range
 * becomes an interval (an IPv6 range that embeds IPv4 also becomes the IPv4 intervals it
 * stands for), the intervals of each family are sorted and merged, and what is not public
 * is subtracted. Sorting dominates: n log n in the number of ranges.
 */
export function publicReach(ranges: readonly AddressRange[]): PublicReach {
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

/** An `allowedEgress` range, as numbers. */
export function addressRangeOf(range: CidrRange): AddressRange {
  return { version: range.version, first: firstAddress(range), prefix: range.prefix };
}

function intervalOf(range: AddressRange): AddressInterval {
  const width = range.version === 4 ? IPV4_BITS : IPV6_BITS;
  return { start: range.first, end: range.first + 2n ** BigInt(width - range.prefix) };
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
