import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

interface JsonSchema {
  $schema?: string;
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  const?: unknown;
  additionalProperties?: boolean;
  required?: string[];
  pattern?: string;
}

describe('schema', () => {
  it('prints one JSON Schema alternative per kind, strict like the validator', async () => {
    const run = await runCli(['schema']);
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as JsonSchema;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const kinds = schema.oneOf?.map((alternative) => alternative.properties?.['kind']?.const);
    expect(kinds).toHaveLength(22);
    expect(kinds).toContain('HttpRoute');
    const project = schema.oneOf?.find(
      (alternative) => alternative.properties?.['kind']?.const === 'Project',
    );
    expect(project?.properties?.['metadata']?.required).toEqual([
      'name',
      'environment',
      'organizational-unit',
      'organization',
    ]);
    expect(project?.properties?.['spec']?.additionalProperties).toBe(false);
  });

  it('prints the schema of one kind, and refuses an unknown kind with a suggestion', async () => {
    const secret = JSON.parse((await runCli(['schema', '--kind', 'Secret'])).stdout) as JsonSchema;
    expect(secret.properties?.['kind']?.const).toBe('Secret');
    const wrong = await runCli(['schema', '--kind', 'Secrets']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('did you mean "Secret"?');
  });
});
