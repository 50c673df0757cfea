import * as v from 'valibot';
import { didYouMean, quoteList } from '../text/suggest.ts';

/**
 * A lowercase DNS label (RFC 1035): a letter, then letters, digits or hyphens, not ending
 * in a hyphen, 1-63 characters. Every manifest name is one, because names become parts of
 * Google Cloud resource ids, GitHub team slugs and Terraform identifiers.
 */
export const DNS_LABEL = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Labels that are also the keys JavaScript objects keep their prototype under. Names are
 * keys too (`accessControl.secrets.<name>`), and the reader refuses such keys, so a
 * manifest may not be named by them either.
 */
export const RESERVED_NAMES = ['constructor', 'prototype'] as const;

/** A name: of this manifest, or of another manifest it refers to. */
export const name = v.pipe(
  v.string(),
  v.regex(
    DNS_LABEL,
    (issue) =>
      `expected a lowercase DNS label (a letter, then lowercase letters, digits or hyphens, at most 63), found ${issue.received}`,
  ),
  v.notValues(
    RESERVED_NAMES,
    (issue) => `expected a name other than ${issue.received}, which is reserved`,
  ),
);

/**
 * A mapping with exactly these fields: any other key is an error that suggests the
 * closest known field, because a misspelt field would otherwise be silently ignored.
 */
export function strict<const TEntries extends v.ObjectEntries>(entries: TEntries) {
  const known = Object.keys(entries);
  // valibot's object schemas accept arrays (they are objects), so refuse them first.
  return v.pipe(
    v.custom<Record<string, unknown>>(
      (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
      (issue) => `expected a mapping, found ${describeValue(issue.input)}`,
    ),
    v.strictObject(entries, (issue) => {
      const key = String(issue.input);
      return issue.expected === 'never'
        ? `unknown field${didYouMean(key, known)}; expected one of ${quoteList(known)}`
        : `missing required field ${issue.expected}`;
    }),
  );
}

/** How a found value reads in a message: `"text"`, `42`, `a list`, `a mapping`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

/** Free text, bounded so a description cannot carry a payload. */
export const text = v.pipe(
  v.string(),
  v.maxLength(4096, (issue) => `expected at most 4096 characters, found ${issue.received}`),
);

/** A list of names of other manifests. */
export const names = v.array(name);

const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** A fully qualified, lowercase host name such as `api.example.com`. */
export const hostname = v.pipe(
  v.string(),
  v.regex(
    HOSTNAME,
    (issue) => `expected a lowercase host name such as api.example.com, found ${issue.received}`,
  ),
);

/** An e-mail address, checked for shape only. */
export const email = v.pipe(
  v.string(),
  v.regex(
    /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
    (issue) => `expected an e-mail address, found ${issue.received}`,
  ),
);

/** A GitHub user or organization login. */
export const githubLogin = v.pipe(
  v.string(),
  v.regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
    (issue) =>
      `expected a GitHub login (letters, digits and single hyphens, at most 39), found ${issue.received}`,
  ),
);

/** A Google Cloud region such as `europe-west1`. */
export const region = v.pipe(
  v.string(),
  v.regex(
    /^[a-z]+-[a-z]+[0-9]+$/,
    (issue) => `expected a Google Cloud region such as europe-west1, found ${issue.received}`,
  ),
);

/** An RFC 3339 timestamp with a time zone, as YAML leaves it: a string. */
export const timestamp = v.pipe(
  v.string(),
  v.regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/,
    (issue) =>
      `expected an RFC 3339 timestamp such as 2026-01-01T00:00:00Z, found ${issue.received}`,
  ),
);

/** The name of a process environment variable. */
export const envVarName = v.pipe(
  v.string(),
  v.regex(
    /^[A-Z_][A-Z0-9_]*$/,
    (issue) =>
      `expected an environment variable name such as DATABASE_URL, found ${issue.received}`,
  ),
);

/** A URL path such as `/api/`. */
export const urlPath = v.pipe(
  v.string(),
  v.regex(
    /^\/[^\s?#]*$/,
    (issue) =>
      `expected a path starting with "/", without spaces, query or fragment, found ${issue.received}`,
  ),
);

/** A whole number within bounds. */
export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return v.pipe(
    v.number(),
    v.integer((issue) => `expected a whole number, found ${issue.received}`),
    v.minValue(min, (issue) => `expected at least ${min}, found ${issue.received}`),
    v.maxValue(max, (issue) => `expected at most ${max}, found ${issue.received}`),
  );
}

/** A TCP port. */
export const port = integer(1, 65535);

/** Groups and members (OrganizationUserGroup and OrganizationUser names). */
export const principals = strict({
  groups: v.optional(names),
  members: v.optional(names),
});

/** Groups and members, as a manifest lists them. */
export type Principals = v.InferOutput<typeof principals>;

/**
 * Who may do what, inherited down the hierarchy and combined with the child's own.
 * Administrators have full control, contributors change resources, viewers read.
 */
export const permissions = strict({
  administrators: v.optional(principals),
  contributors: v.optional(principals),
  viewers: v.optional(principals),
});

const cron = v.pipe(
  v.string(),
  v.regex(
    /^\S+(?:\s+\S+){4}$/,
    (issue) => `expected a cron expression of five fields, found ${issue.received}`,
  ),
);

/** Scale to nothing outside working hours. */
export const hibernation = strict({
  hibernate: v.boolean(),
  schedule: v.optional(strict({ sleep: cron, wake: cron, timeZone: v.optional(v.string()) })),
});

const window = strict({ start: timestamp, end: timestamp });

/** A recurring maintenance window, and dates when it does not apply. */
export const maintenance = strict({
  start: timestamp,
  end: timestamp,
  exclusions: v.optional(v.array(window)),
});

/** VPC flow-log settings, applied to the subnets of everything below. */
export const network = strict({
  logs: v.optional(
    strict({
      interval: v.optional(
        v.picklist([
          'INTERVAL_5_SEC',
          'INTERVAL_30_SEC',
          'INTERVAL_1_MIN',
          'INTERVAL_5_MIN',
          'INTERVAL_10_MIN',
          'INTERVAL_15_MIN',
        ]),
      ),
      sampling: v.optional(
        v.pipe(
          v.number(),
          v.minValue(0, (issue) => `expected a fraction from 0 to 1, found ${issue.received}`),
          v.maxValue(1, (issue) => `expected a fraction from 0 to 1, found ${issue.received}`),
        ),
      ),
      metadata: v.optional(v.picklist(['INCLUDE_ALL_METADATA', 'EXCLUDE_ALL_METADATA'])),
    }),
  ),
});
