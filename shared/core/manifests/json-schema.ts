import { toJsonSchema } from '@valibot/to-json-schema';
import { kinds, type Kind } from './kinds.ts';
import { manifestSchemas } from './manifest.ts';

/**
 * A JSON Schema (draft-07) of manifests, generated from the valibot schemas so that
 * editors and the validator never disagree on fields. Checks that JSON Schema cannot
 * express (such as "exactly one of prefixMatch, fullPathMatch, regexMatch") are left out:
 * the validator still enforces them.
 */
export function manifestJsonSchema(only?: Kind): Record<string, unknown> {
  const schemaOf = (kind: Kind): Record<string, unknown> => {
    const { $schema: _draft, ...schema } = toJsonSchema(manifestSchemas[kind], {
      errorMode: 'ignore',
    });
    return schema;
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: only === undefined ? 'lowops.manifests.v1 manifest' : `lowops.manifests.v1 ${only}`,
    // The kinds are mutually exclusive by their `kind` constant, hence oneOf.
    ...(only === undefined ? { oneOf: kinds.map(schemaOf) } : schemaOf(only)),
  };
}
