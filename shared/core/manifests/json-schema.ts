import { toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { kinds, type Kind } from './kinds.ts';
import { manifestSchemas } from './manifest.ts';

/**
 * A JSON Schema (draft-07) of manifests, generated from the valibot schemas so that
 * editors and the validator never disagree on fields. Checks that JSON Schema cannot
 * express (such as "exactly one of prefixMatch, fullPathMatch, regexMatch") are left out:
 * the validator still enforces them.
 */
export function manifestJsonSchema(only?: Kind): Record<string, unknown> {
  const selected =
    only === undefined ? kinds.map((kind) => manifestSchemas[kind]) : [manifestSchemas[only]];
  const schema =
    selected.length === 1
      ? toJsonSchema(selected[0] as v.GenericSchema, { errorMode: 'ignore' })
      : toJsonSchema(v.variant('kind', selected as [(typeof selected)[number]]), {
          errorMode: 'ignore',
        });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: only === undefined ? 'lowops.manifests.v1 manifest' : `lowops.manifests.v1 ${only}`,
    ...schema,
  };
}
