// The modules are formatted the way `terraform fmt` writes them.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { modulesDir } from './load-modules.ts';

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const terraformMissing = terraform.error !== undefined || terraform.status !== 0;

describe('terraform-modules: formatting', () => {
  it('INFRASTREAM_TERRAFORM_FMT: terraform fmt -check -recursive terraform-modules reports nothing', (context) => {
    context.skip(terraformMissing, 'terraform is not on PATH: cannot run terraform fmt -check');
    const result = spawnSync(
      'terraform',
      ['fmt', '-check', '-recursive', '-list=true', modulesDir],
      {
        encoding: 'utf8',
      },
    );
    expect(result.error).toBeUndefined();
    expect({ status: result.status, unformatted: result.stdout.trim() }).toEqual({
      status: 0,
      unformatted: '',
    });
  });
});
