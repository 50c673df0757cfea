import { parseArgs } from 'node:util';
import { isKind, kinds } from '../../shared/core/manifests/kinds.ts';
import { manifestJsonSchema } from '../../shared/core/manifests/json-schema.ts';
import { didYouMean } from '../../shared/core/text/suggest.ts';
import { exitCodes, UsageError, type CliIo, type Command } from '../cli-io.ts';

export const schemaUsage = `Usage: infrastream schema [--kind KIND]

Prints the JSON Schema of lowops.manifests.v1 manifests (or of one kind), for editors:
  infrastream schema > manifests.schema.json
and, at the top of a manifest:
  # yaml-language-server: $schema=./manifests.schema.json`;

/** `infrastream schema`: the JSON Schema generated from the validator's own schemas. */
export function schemaCommand(args: readonly string[], io: CliIo): number {
  const { values } = parseArgs({ args: [...args], options: { kind: { type: 'string' } } });
  const kind = values.kind;
  if (kind !== undefined && !isKind(kind)) {
    throw new UsageError(
      `--kind must be a kind of lowops.manifests.v1, not "${kind}"${didYouMean(kind, kinds)}`,
    );
  }
  io.stdout(`${JSON.stringify(manifestJsonSchema(kind), null, 2)}\n`);
  return exitCodes.ok;
}

/** `infrastream schema`, for the command table. */
export const command: Command = { run: schemaCommand, usage: schemaUsage };
