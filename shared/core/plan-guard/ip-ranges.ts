/**
 * Whether a set of CIDR ranges, taken together, reaches the whole internet. A firewall rule
 * is open to the world with `0.0.0.0/0`, but just as much with `0.0.0.0/1` and
 * `128.0.0.0/1`, with `0:0:0:0:0:0:0:0/0`, or with a list of ranges that leaves out only
 * private space: so ranges are read as numbers and judged on their union.
 */

/** One range, as the first and last address of its family. */
interface AddressRange {
  readonly version: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
}

/** What a list of ranges reaches. */
export interface RangeReach {
  /** Every public IPv4 address, every public IPv6 address, or both. */
  readonly internet: readonly ('IPv4' | 'IPv6')[];
  /** Entries that are not CIDR ranges, which therefore cannot be judged. */
  readonly unreadable: readonly string[];
}

const IPV4_BITS = 32n;
const IPV6_BITS = 128n;
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) stand for IPv4 ones.
const IPV4_MAPPED_FIRST = 0xffffn << 32n;
const IPV4_MAPPED_LAST = IPV4_MAPPED_FIRST + (1n << 32n) - 1n;

// Addresses that are not reachable from the internet (RFC 6890 and its updates): a union
// that leaves out only these still reaches everyone.
const ipv4NotPublic = [
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
  '224.0.0.0/3',
];
// The internet's IPv6 space is global unicast, 2000::/3, less documentation addresses.
const ipv6Public = ['2000::/3'];
const ipv6NotPublic = ['2001:db8::/32'];

const publicIpv4 = complement(merge(ipv4NotPublic.map((text) => parseOrThrow(text))), 4);
const publicIpv6 = subtract(
  ipv6Public.map((text) => parseOrThrow(text)),
  ipv6NotPublic.map((text) => parseOrThrow(text)),
);

/** Judges the union of `ranges` (CIDR ranges or single addresses, IPv4 or IPv6). */
export function rangeReach(ranges: readonly string[]): RangeReach {
  const parsed: AddressRange[] = [];
  const unreadable: string[] = [];
  for (const text of ranges) {
    const range = parseRange(text);
    if (range === undefined) unreadable.push(text);
    else parsed.push(...asIpv4WhereMapped(range));
  }
  const ipv4 = merge(parsed.filter((range) => range.version === 4));
  const ipv6 = merge(parsed.filter((range) => range.version === 6));
  const internet: ('IPv4' | 'IPv6')[] = [];
  if (covers(ipv4, publicIpv4)) internet.push('IPv4');
  if (covers(ipv6, publicIpv6)) internet.push('IPv6');
  return { internet, unreadable };
}

/** `a.b.c.d[/n]` or an IPv6 address in any spelling `[/n]`; host bits are ignored. */
function parseRange(text: string): AddressRange | undefined {
  const trimmed = text.trim().toLowerCase();
  const slash = trimmed.indexOf('/');
  const addressText = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash === -1 ? undefined : trimmed.slice(slash + 1);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const ipv4 = parseIpv4(addressText);
  if (ipv4 !== undefined) return toRange(4, ipv4, prefixText, IPV4_BITS);
  const ipv6 = parseIpv6(addressText);
  if (ipv6 !== undefined) return toRange(6, ipv6, prefixText, IPV6_BITS);
  return undefined;
}

function toRange(
  version: 4 | 6,
  address: bigint,
  prefixText: string | undefined,
  bits: bigint,
): AddressRange | undefined {
  const prefix = prefixText === undefined ? bits : BigInt(prefixText);
  if (prefix > bits) return undefined;
  const size = 1n << (bits - prefix);
  const first = address - (address % size);
  return { version, first, last: first + size - 1n };
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

/** The IPv4 part of an IPv6 range that overlaps ::ffff:0:0/96 counts as IPv4 too. */
function asIpv4WhereMapped(range: AddressRange): AddressRange[] {
  if (range.version === 4) return [range];
  const first = range.first > IPV4_MAPPED_FIRST ? range.first : IPV4_MAPPED_FIRST;
  const last = range.last < IPV4_MAPPED_LAST ? range.last : IPV4_MAPPED_LAST;
  if (first > last) return [range];
  return [range, { version: 4, first: first - IPV4_MAPPED_FIRST, last: last - IPV4_MAPPED_FIRST }];
}

function parseOrThrow(text: string): AddressRange {
  const range = parseRange(text);
  if (range === undefined) throw new Error(`not a range: ${text}`);
  return range;
}

/** Sorted, disjoint, non-adjacent ranges covering the same addresses. */
function merge(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const merged: AddressRange[] = [];
  for (const range of sorted) {
    const previous = merged.at(-1);
    if (previous !== undefined && range.first <= previous.last + 1n) {
      if (range.last > previous.last) merged[merged.length - 1] = { ...previous, last: range.last };
    } else {
      merged.push(range);
    }
  }
  return merged;
}

/** The addresses of the family that `merged` (sorted and disjoint) leaves out. */
function complement(merged: readonly AddressRange[], version: 4 | 6): AddressRange[] {
  const end = (1n << (version === 4 ? IPV4_BITS : IPV6_BITS)) - 1n;
  const gaps: AddressRange[] = [];
  let next = 0n;
  for (const range of merged) {
    if (range.first > next) gaps.push({ version, first: next, last: range.first - 1n });
    next = range.last + 1n;
  }
  if (next <= end) gaps.push({ version, first: next, last: end });
  return gaps;
}

function subtract(
  ranges: readonly AddressRange[],
  removed: readonly AddressRange[],
): AddressRange[] {
  const version = ranges[0]?.version ?? 4;
  const kept = complement(merge(removed), version);
  return merge(ranges).flatMap((range) =>
    kept.flatMap((gap) => {
      const first = range.first > gap.first ? range.first : gap.first;
      const last = range.last < gap.last ? range.last : gap.last;
      return first <= last ? [{ version, first, last }] : [];
    }),
  );
}

/** Whether every range of `needed` lies inside one range of `merged` (sorted, disjoint). */
function covers(merged: readonly AddressRange[], needed: readonly AddressRange[]): boolean {
  return needed.every((range) =>
    merged.some((candidate) => candidate.first <= range.first && candidate.last >= range.last),
  );
}
