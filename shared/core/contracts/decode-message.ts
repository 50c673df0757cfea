import * as v from 'valibot';

/** One reason a message does not match its contract. */
export interface ContractIssue {
  /** Dotted path to the offending field, empty for the message itself. */
  readonly path: string;
  readonly message: string;
}

/** The outcome of decoding: the message, or every issue found (never an exception). */
export type DecodeResult<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly issues: readonly ContractIssue[] };

/**
 * Decodes a message received from the bus against its topic's contract. Issues are returned
 * as data so that a stage can acknowledge and record a poison message instead of having it
 * retried forever.
 */
export function decodeMessage<const Schema extends v.GenericSchema>(
  schema: Schema,
  data: unknown,
): DecodeResult<v.InferOutput<Schema>> {
  const result = v.safeParse(schema, data, { abortEarly: false });
  if (result.success) return { ok: true, message: result.output };
  return {
    ok: false,
    issues: result.issues.map((issue) => ({
      path: v.getDotPath(issue) ?? '',
      message: issue.message,
    })),
  };
}
