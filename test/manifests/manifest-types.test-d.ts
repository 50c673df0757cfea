import { describe, expectTypeOf, it } from 'vitest';
import type { Kind } from '../../shared/core/manifests/kinds.ts';
import type { Manifest, ManifestOf } from '../../shared/core/manifests/manifest.ts';

describe('manifest types inferred from the schemas', () => {
  it('names exactly the ancestors of each kind in metadata', () => {
    expectTypeOf<ManifestOf<'Project'>['metadata']>().toEqualTypeOf<{
      name: string;
      environment: string;
      'organizational-unit': string;
      organization: string;
    }>();
    expectTypeOf<ManifestOf<'Organization'>['metadata']>().toEqualTypeOf<{ name: string }>();
    expectTypeOf<ManifestOf<'HttpRoute'>['metadata']>().toHaveProperty('public-ingress');
  });

  it('types enums as unions of literals', () => {
    expectTypeOf<ManifestOf<'Application'>['spec']['target']>().toEqualTypeOf<
      'CLOUD_RUN' | 'KUBERNETES' | 'COMPUTE' | undefined
    >();
    expectTypeOf<ManifestOf<'GithubConnection'>['spec']['authenticationMethod']>().toEqualTypeOf<
      'GITHUB_APP' | 'TOKEN'
    >();
  });

  it('discriminates the manifest union by kind', () => {
    expectTypeOf<Manifest['kind']>().toEqualTypeOf<Kind>();
    expectTypeOf<Extract<Manifest, { kind: 'Secret' }>>().toEqualTypeOf<ManifestOf<'Secret'>>();
  });

  it('keeps required references required', () => {
    expectTypeOf<ManifestOf<'Application'>['spec']['project']>().toEqualTypeOf<string>();
    expectTypeOf<ManifestOf<'ExternalApplication'>['spec']>().not.toHaveProperty('buildDefinition');
  });
});
