import { describe, expectTypeOf, it } from 'vitest';
import type { GovernedRepository } from '../../shared/core/pipeline/governed-repository.ts';
import type { Settings } from '../../shared/core/configuration/settings.ts';

describe('the settings a runtime has, by their types', () => {
  it('holds what the runtime requires or has a default for, and the rest only maybe', () => {
    expectTypeOf<Settings<'stages'>['githubAppId']>().toEqualTypeOf<number>();
    expectTypeOf<Settings<'stages'>['repository']>().toEqualTypeOf<GovernedRepository>();
    expectTypeOf<Settings<'ingest'>['webhookSecrets']>().toEqualTypeOf<string[]>();
    expectTypeOf<Settings<'serve'>['repository']>().toEqualTypeOf<GovernedRepository | undefined>();
    expectTypeOf<Settings<'serve'>['maxBodyBytes']>().toEqualTypeOf<number>();
  });

  it('holds nothing the runtime does not read', () => {
    expectTypeOf<keyof Settings<'validate'>>().toEqualTypeOf<'noColor'>();
    expectTypeOf<Settings<'ingest'>>().not.toHaveProperty('githubPrivateKey');
  });
});
