import { describe, expect, it } from 'vitest';
import {
  identifier,
  reference,
  template,
  toTerraformJson,
} from '../../shared/core/render/terraform-json.ts';

describe('Terraform JSON', () => {
  it.each([
    ['${file("/etc/passwd")}', '$${file("/etc/passwd")}'],
    ['%{ for x in y }${x}%{ endfor }', '%%{ for x in y }$${x}%%{ endfor }'],
    ['already $${escaped}', 'already $$${escaped}'],
    ['"quoted" and \\backslashed\\', '"quoted" and \\backslashed\\'],
    ['two\nlines\r\n', 'two\nlines\r\n'],
    ['<<EOF\nheredoc\nEOF', '<<EOF\nheredoc\nEOF'],
    ['$ {not} % {either}', '$ {not} % {either}'],
  ])('writes %j as an inert literal', (input, escaped) => {
    const written = JSON.parse(toTerraformJson({ value: input, [input]: 'key' })) as Record<
      string,
      string
    >;
    expect(written['value']).toBe(escaped);
    expect(written[escaped]).toBe('key');
  });

  it('refuses a "//" key, which Terraform would read as a comment', () => {
    expect(() => toTerraformJson({ env: { '//': 'hidden' } })).toThrow('comment');
  });

  it('writes references and templates as they are, and escapes the literal parts of templates', () => {
    const written = JSON.parse(
      toTerraformJson({
        id: reference('module', 'project', 'project_id'),
        subnet: reference('data', 'remote', 'outputs', 'subnets', { key: 'europe-west1' }),
        url: template(reference('module', 'service_api', 'uri'), '/hooks/${x}'),
      }),
    ) as Record<string, string>;
    expect(written).toEqual({
      id: '${module.project.project_id}',
      subnet: '${data.remote.outputs.subnets["europe-west1"]}',
      url: '${module.service_api.uri}/hooks/$${x}',
    });
  });

  it('builds identifiers and references only from safe parts', () => {
    expect(identifier('secret', 'stripe-key')).toBe('secret_stripe_key');
    expect(identifier('secret', 'api.main.connection')).toBe('secret_api-main-connection');
    expect(() => identifier('x', 'a}b')).toThrow('not a Terraform identifier');
    expect(() => reference('module', 'a.b')).toThrow('not a Terraform identifier');
    expect(() => reference('module', { key: '"]}${file("x")}' })).toThrow('not a safe map key');
  });
});
