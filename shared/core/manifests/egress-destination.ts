/** One entry of a project's `allowedEgress`, classified. */
export type EgressDestination =
  | { readonly type: 'host'; readonly host: string }
  | { readonly type: 'wildcard'; readonly suffix: string }
  | { readonly type: 'everything' }
  | {
      readonly type: 'cidr';
      readonly version: 4 | 6;
      readonly address: string;
      readonly prefix: number;
    };

/** A CIDR range of `allowedEgress`. */
export type CidrRange = Extract<EgressDestination, { readonly type: 'cidr' }>;

const HOST =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:]+$/;

/**
 * Reads an `allowedEgress` entry: a host name, a wildcard such as `*.googleapis.com`,
 * `*` (everything, which policy refuses), or an IPv4/IPv6 CIDR range whose host bits are
 * zero. Returns undefined for anything else, so that nothing ambiguous reaches a rule.
 */
export function parseEgressDestination(entry: string): EgressDestination | undefined {
  if (entry === '*') return { type: 'everything' };
  if (entry.startsWith('*.')) {
    const suffix = entry.slice(2);
    return HOST.test(suffix) ? { type: 'wildcard', suffix } : undefined;
  }
  const slash = entry.indexOf('/');
  if (slash === -1) return HOST.test(entry) ? { type: 'host', host: entry } : undefined;
  const address = entry.slice(0, slash);
  const prefixText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (IPV4.test(address)) {
    if (prefix > 32 || !hostBitsZero(ipv4Bits(address), prefix)) return undefined;
    return { type: 'cidr', version: 4, address, prefix };
  }
  if (IPV6.test(address)) {
    const bits = ipv6Bits(address);
    if (bits === undefined || prefix > 128 || !hostBitsZero(bits, prefix)) return undefined;
    return { type: 'cidr', version: 6, address, prefix };
  }
  return undefined;
}

/** The first address of a range, as an unsigned integer of 32 (IPv4) or 128 (IPv6) bits. */
export function firstAddress(range: CidrRange): bigint {
  const bits = range.version === 4 ? ipv4Bits(range.address) : ipv6Bits(range.address);
  return BigInt(`0b${bits ?? '0'}`);
}

function ipv4Bits(address: string): string {
  return address
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
}

function ipv6Bits(address: string): string | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? (halves[1] ?? '').split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => parseInt(group, 16).toString(2).padStart(16, '0')).join('');
}

function hostBitsZero(bits: string, prefix: number): boolean {
  return !bits.slice(prefix).includes('1');
}
