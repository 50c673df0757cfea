import * as v from 'valibot';
import { LineCounter, parseDocument } from 'yaml';
import { createIssue, type Issue } from '../issues/issue.ts';
import {
  locate,
  locationOfRange,
  toPointer,
  yamlParseOptions,
  type SourceDocument,
} from '../parse/source-document.ts';
import type { DriftFinding } from './drift-finding.ts';
import { fingerprintSubject } from './drift-fingerprint.ts';
import { matchesGlob } from './drift-severity.ts';

/** The file at the repository's root; the generated CODEOWNERS gives it to the administrators. */
export const ACKNOWLEDGEMENTS_FILE = 'drift-acknowledgements.yaml';

/** A drift someone looked at and accepted, until `expires`. */
export interface DriftAcknowledgement {
  /** A finding's fingerprint, or a pattern over `source/workspace/address-or-asset/attribute`. */
  readonly fingerprint?: string | undefined;
  readonly pattern?: string | undefined;
  readonly reason: string;
  /** The first day (UTC) it no longer covers, `YYYY-MM-DD`, or an ISO-8601 time. */
  readonly expires: string;
}

const DATE_OR_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

const entrySchema = v.pipe(
  v.strictObject({
    fingerprint: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^[0-9a-f]{32}$/, 'expected a fingerprint, 32 lowercase hex digits'),
      ),
    ),
    pattern: v.optional(
      v.pipe(
        v.string(),
        v.regex(
          /^(?:terraform|iam|resources|codeowners|github|pipeline|\*)\//,
          'expected a pattern source/workspace/address-or-asset/attribute, * for any text',
        ),
      ),
    ),
    reason: v.pipe(v.string(), v.trim(), v.minLength(1, 'expected why the drift is accepted')),
    expires: v.pipe(
      v.string(),
      v.regex(DATE_OR_TIME, 'expected an expiry date, YYYY-MM-DD, or an ISO-8601 time'),
      v.check((text) => !Number.isNaN(Date.parse(text)), 'expected a date that exists'),
    ),
  }),
  v.check(
    (entry) => (entry.fingerprint === undefined) !== (entry.pattern === undefined),
    'expected either a fingerprint or a pattern, one of the two',
  ),
);

const fileSchema = v.strictObject({ acknowledgements: v.array(entrySchema) });

/** The acknowledgements of a repository, and what is wrong with its file. */
export interface AcknowledgementsFile {
  readonly acknowledgements: readonly DriftAcknowledgement[];
  readonly issues: readonly Issue[];
}

/**
 * Reads `drift-acknowledgements.yaml`. A file with errors acknowledges nothing (an entry
 * read past an error could cover more than its author meant); an expired entry is a warning
 * and covers nothing. `now` is an ISO-8601 time.
 */
export function readAcknowledgements(text: string, now: string): AcknowledgementsFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { ...yamlParseOptions, lineCounter });
  const source: SourceDocument = {
    path: ACKNOWLEDGEMENTS_FILE,
    text,
    root: document.contents,
    lineCounter,
  };
  const [error] = document.errors;
  if (error !== undefined) {
    const [start, end] = error.pos;
    return {
      acknowledgements: [],
      issues: [
        createIssue(
          'drift/acknowledgements',
          locationOfRange(source, '', start, end),
          `expected YAML that parses, found: ${error.message.split('\n')[0] ?? ''}`,
        ),
      ],
    };
  }
  const parsed = v.safeParse(fileSchema, document.toJS());
  if (!parsed.success) {
    return {
      acknowledgements: [],
      issues: parsed.issues.map((issue) => {
        const segments = (issue.path ?? []).map((item) => item.key as string | number);
        const field = segments.join('.');
        const found = `, found ${issue.received}`;
        return createIssue(
          'drift/acknowledgements',
          locate(
            source,
            toPointer(segments),
            issue.path?.at(-1)?.origin === 'key' ? 'key' : 'value',
          ),
          `${field === '' ? '' : `${field}: `}${issue.message}${issue.message.includes('found') ? '' : found}`,
        );
      }),
    };
  }
  const issues: Issue[] = [];
  const acknowledgements = parsed.output.acknowledgements.filter((entry, index) => {
    if (!expired(entry.expires, now)) return true;
    issues.push(
      createIssue(
        'drift/acknowledgement-expired',
        locate(source, `/acknowledgements/${index}/expires`),
        `acknowledgements.${index}.expires: expected a date after ${now.slice(0, 10)}, found ${entry.expires}; it covers nothing`,
      ),
    );
    return false;
  });
  return { acknowledgements, issues };
}

/** Whether an expiry is at or before `now`: a date expires at its first instant, UTC. */
function expired(expires: string, now: string): boolean {
  const at = /T/.test(expires) ? expires : `${expires}T00:00:00Z`;
  return Date.parse(at) <= Date.parse(now);
}

/** The findings, each with the first acknowledgement that covers it, if one does. */
export function acknowledge(
  findings: readonly DriftFinding[],
  acknowledgements: readonly DriftAcknowledgement[],
): DriftFinding[] {
  return findings.map((finding) => {
    const { acknowledged: _, ...rest } = finding;
    const subject = fingerprintSubject(finding);
    const covering = acknowledgements.find((entry) =>
      entry.fingerprint !== undefined
        ? entry.fingerprint === finding.fingerprint
        : matchesGlob(entry.pattern ?? '', subject),
    );
    return covering === undefined
      ? rest
      : { ...rest, acknowledged: { reason: covering.reason, expires: covering.expires } };
  });
}
