// Writes the README's table of settings from the configuration schema
// (shared/core/configuration/settings.ts), between the table's markers. Run it after adding or
// changing a setting:
//
//   ./scripts/dev node scripts/generate-configuration-table.ts
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  configurationTableMarkers,
  withConfigurationTable,
} from '../shared/core/configuration/configuration-table.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const updated = withConfigurationTable(await readFile(readme, 'utf8'));
if (updated === undefined) {
  console.error(
    `${readme} has no place for the table: put the lines\n  ${configurationTableMarkers.start}\n  ${configurationTableMarkers.end}\nwhere it goes, once each`,
  );
  process.exit(1);
}
await writeFile(readme, updated);
console.log(`wrote the table of settings in ${readme}`);
