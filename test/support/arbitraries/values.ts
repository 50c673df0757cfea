/**
 * Scalar arbitraries: names, free text, host names, regions, e-mail addresses, CIDR
 * ranges and the other values that fill manifest fields, and the record combinator the
 * other arbitraries are built with.
 */
import fc from 'fast-check';

export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const UPPER = LOWER.toUpperCase();
export const DIGITS = '0123456789';

export function charOf(alphabet: string): fc.Arbitrary<string> {
  return fc.constantFrom(...Array.from(alphabet));
}

export function stringOf(
  alphabet: string,
  minLength: number,
  maxLength: number,
): fc.Arbitrary<string> {
  return fc.string({ unit: charOf(alphabet), minLength, maxLength });
}

/** Records with no null prototype, and every key optional unless listed. */
export function fields<T, K extends keyof T = never>(
  model: { [P in keyof T]: fc.Arbitrary<T[P]> },
  requiredKeys: K[] = [],
) {
  return fc.record<T, K>(model, { requiredKeys, noNullPrototype: true });
}

/**
 * A lowercase DNS label, biased towards names that YAML would read as something else
 * if written plain (`null`, `true`, `no`) and towards names common in real repositories,
 * so that names of different kinds collide.
 */
export const dnsLabelArbitrary: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(charOf(LOWER), stringOf(`${LOWER}${DIGITS}-`, 0, 10), charOf(LOWER + DIGITS))
      .map(([first, middle, last]) => first + middle + last),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('main', 'api', 'web', 'default', 'production', 'development'),
  },
  { weight: 1, arbitrary: charOf(LOWER) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(charOf(LOWER), stringOf(`${LOWER}${DIGITS}-`, 61, 61), charOf(LOWER + DIGITS))
      .map(([first, middle, last]) => first + middle + last),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'null',
      'true',
      'false',
      'yes',
      'no',
      'on',
      'off',
      'y',
      'n',
      'nan',
      'inf',
      'e1',
    ),
  },
);

/** Characters that mean something to YAML, to write text that must be quoted or escaped. */
const yamlSignificant = [
  ...Array.from('[]{}"\'#:-|>*&!%@`,?\\ \t\na0é'),
  ': ',
  ' #',
  '- ',
  '---',
  '...',
  '\r\n',
  '\u2028',
  '\u0085',
  '\u00a0',
  '\ufeff',
  '\u0000',
  '\u{1f600}',
];

/** Free text (descriptions): any unicode, YAML-significant characters, prose, several lines. */
export const textArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...yamlSignificant), maxLength: 30 }) },
  { weight: 2, arbitrary: fc.lorem({ maxCount: 3, mode: 'sentences' }) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.string({ unit: 'grapheme', maxLength: 20 }), { minLength: 2, maxLength: 4 })
      .map((lines) => lines.join('\n')),
  },
);

export const nonEmptyText = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  textArbitrary.filter((text) => text.length > 0),
);

const hostLabel = fc.oneof(
  charOf(LOWER + DIGITS),
  fc
    .tuple(charOf(LOWER + DIGITS), stringOf(`${LOWER}${DIGITS}-`, 0, 8), charOf(LOWER + DIGITS))
    .map(([first, middle, last]) => first + middle + last),
);
const topLevelDomain = fc
  .tuple(charOf(LOWER), stringOf(`${LOWER}${DIGITS}-`, 0, 4), charOf(LOWER + DIGITS))
  .map(([first, middle, last]) => first + middle + last);

/** A lowercase fully qualified host name. */
export const hostnameArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('api.sendgrid.com', 'island-venues.infrastream.io', 'example.internal'),
  fc
    .tuple(fc.array(hostLabel, { minLength: 1, maxLength: 3 }), topLevelDomain)
    .map(([labels, tld]) => [...labels, tld].join('.')),
);

export const region = fc.oneof(
  fc.constantFrom('europe-west1', 'us-central1', 'asia-northeast3', 'australia-southeast2'),
  fc
    .tuple(stringOf(LOWER, 1, 8), stringOf(LOWER, 1, 10), fc.integer({ min: 0, max: 99 }))
    .map(([area, direction, n]) => `${area}-${direction}${n}`),
);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const email = fc.oneof(
  fc.constantFrom('ops@example.com', 'unfederatedadmin@infrastream.io'),
  fc.emailAddress().filter((address) => EMAIL.test(address)),
);

export const githubLogin = fc
  .array(stringOf(UPPER + LOWER + DIGITS, 1, 8), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('-'));

export const cron = fc
  .array(fc.constantFrom('*', '0', '30', '*/5', '1-5', '9', '18', 'MON-FRI', '1,15'), {
    minLength: 5,
    maxLength: 5,
  })
  .map((parts) => parts.join(' '));

const urlSegment = fc.oneof(
  stringOf(`${LOWER}${DIGITS}-_.~`, 1, 8),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }).filter((s) => /^[^\s?#/]+$/.test(s)),
);
export const urlPath = fc
  .tuple(fc.array(urlSegment, { maxLength: 3 }), fc.boolean())
  .map(([segments, slash]) =>
    segments.length === 0 ? '/' : `/${segments.join('/')}${slash ? '/' : ''}`,
  );

export const envVarName = fc
  .tuple(charOf(`${UPPER}_`), stringOf(`${UPPER}${DIGITS}_`, 0, 12))
  .map(([first, rest]) => first + rest);

export const port = fc.integer({ min: 1, max: 65535 });

function ipv4Cidr(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
    .map(([address, prefix]) => {
      const hostBits = 32 - prefix;
      const network = hostBits === 32 ? 0 : Math.floor(address / 2 ** hostBits) * 2 ** hostBits;
      const octets = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256);
      return `${octets.join('.')}/${prefix}`;
    });
}

function ipv6Cidr(): fc.Arbitrary<string> {
  const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  return fc
    .tuple(
      fc.array(group, { minLength: 8, maxLength: 8 }),
      fc.integer({ min: 0, max: 128 }),
      fc.boolean(),
    )
    .map(([groups, prefix, compress]) => {
      const masked = groups.map((value, index) => {
        const keep = Math.max(0, Math.min(16, prefix - index * 16));
        return keep === 0 ? 0 : value & ((0xffff << (16 - keep)) & 0xffff);
      });
      const hex = masked.map((value) => value.toString(16));
      let start = -1;
      let length = 0;
      for (let i = 0; i < 8; i++) {
        let j = i;
        while (j < 8 && masked[j] === 0) j++;
        if (j - i > length) [start, length] = [i, j - i];
      }
      const address =
        compress && length > 0
          ? `${hex.slice(0, start).join(':')}::${hex.slice(start + length).join(':')}`
          : hex.join(':');
      return `${address}/${prefix}`;
    });
}

export const egressDestination = fc.oneof(
  hostnameArbitrary,
  hostnameArbitrary.map((host) => `*.${host}`),
  ipv4Cidr(),
  ipv6Cidr(),
);

export const timestampPair = fc
  .tuple(
    fc.date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2035-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc.integer({ min: 1, max: 7 * 24 * 60 }),
    fc.constantFrom('iso', 'seconds', 'offset'),
    fc.integer({ min: -12 * 4, max: 14 * 4 }),
  )
  .map(([start, minutes, style, quarterHours]) => {
    const end = new Date(start.getTime() + minutes * 60_000);
    const format = (date: Date): string => {
      if (style === 'iso') return date.toISOString();
      if (style === 'seconds') return `${date.toISOString().slice(0, 19)}Z`;
      const offset = quarterHours * 15;
      const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 19);
      const sign = offset < 0 ? '-' : '+';
      const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
      const rest = String(Math.abs(offset) % 60).padStart(2, '0');
      return `${local}${sign}${hours}:${rest}`;
    };
    return { start: format(start), end: format(end) };
  });

export const repositoryName = stringOf(`${UPPER}${LOWER}${DIGITS}._-`, 1, 20);

export const relativePath = fc
  .array(
    stringOf(`${LOWER}${DIGITS}._-`, 1, 8).filter((segment) => segment !== '..'),
    { maxLength: 3 },
  )
  .map((segments) => segments.join('/'));

export const image = fc
  .tuple(
    fc.oneof(fc.constant('europe-docker.pkg.dev'), hostnameArbitrary),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    fc.array(stringOf(`${UPPER}${LOWER}${DIGITS}_.-`, 1, 10), { minLength: 1, maxLength: 3 }),
    fc.oneof(
      stringOf(`${LOWER}${DIGITS}_.-`, 1, 10).map((tag) => `:${tag}`),
      stringOf('0123456789abcdef', 64, 64).map((digest) => `@sha256:${digest}`),
    ),
  )
  .map(
    ([host, hostPort, segments, reference]) =>
      `${host}${hostPort === undefined ? '' : `:${hostPort}`}/${segments.join('/')}${reference}`,
  );
