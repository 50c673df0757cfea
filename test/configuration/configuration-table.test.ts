import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  configurationTable,
  configurationTableMarkers,
  withConfigurationTable,
} from '../../shared/core/configuration/configuration-table.ts';
import { settingDefinitions } from '../../shared/core/configuration/settings.ts';

describe("the README's table of settings", () => {
  it('is the one the schema generates (./scripts/dev node scripts/generate-configuration-table.ts)', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    expect(withConfigurationTable(readme)).toBe(readme);
  });

  it('has a row for every setting, and needs its markers once each', () => {
    const rows = configurationTable().split('\n').slice(2);
    expect(rows.map((row) => /^\| `([A-Z_]+)`/.exec(row)?.[1])).toEqual(
      Object.values(settingDefinitions).map((setting) => setting.variable),
    );
    const { start, end } = configurationTableMarkers;
    expect(withConfigurationTable(`${start}\n${end}`)).toBe(
      `${start}\n${configurationTable()}\n${end}`,
    );
    expect(withConfigurationTable(`${end}\n${start}`)).toBeUndefined();
    expect(withConfigurationTable(`${start}\n${end}\n${start}\n${end}`)).toBeUndefined();
  });
});
