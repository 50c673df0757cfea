import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/**
 * Compares a result with its reviewed golden file. Golden files are written only when
 * asked (`UPDATE_GOLDEN=1`), then reviewed in the diff: a missing one fails, or a test whose
 * golden file was lost would pass by writing whatever the code now produces.
 */
export function expectGolden(file: URL, actual: string): void {
  const path = fileURLToPath(file);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  if (!existsSync(path)) {
    expect.fail(
      `the golden file ${path} is missing: write it with UPDATE_GOLDEN=1 npx vitest run, then review it`,
    );
  }
  expect(actual, path).toBe(readFileSync(path, 'utf8'));
}
