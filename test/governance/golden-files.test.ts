import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { expectGolden } from '../support/golden.ts';

describe('golden files', () => {
  const folder = mkdtempSync(join(tmpdir(), 'infrastream-golden-'));
  const file = pathToFileURL(join(folder, 'nested', 'result.txt'));
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('fail when missing, and are written only when asked', () => {
    vi.stubEnv('UPDATE_GOLDEN', '');
    expect(() => {
      expectGolden(file, 'text');
    }).toThrow(/missing: write it with UPDATE_GOLDEN=1/);
    vi.stubEnv('UPDATE_GOLDEN', '1');
    expectGolden(file, 'text');
    expect(readFileSync(file, 'utf8')).toBe('text');
    vi.stubEnv('UPDATE_GOLDEN', '');
    expectGolden(file, 'text');
    expect(() => {
      expectGolden(file, 'other');
    }).toThrow();
  });
});
