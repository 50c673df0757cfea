import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  forbiddenRoles,
  peopleRoles,
  secretRoles,
  workloadRoles,
} from '../../shared/core/governance/iam-roles.ts';

const everyRole = [
  ...Object.values(peopleRoles).flat(),
  ...Object.values(secretRoles).flat(),
  ...Object.values(workloadRoles),
];

describe('the IAM role table', () => {
  it('holds no basic role and no role that changes IAM or impersonates', () => {
    expect(everyRole.filter((role) => forbiddenRoles.has(role))).toEqual([]);
    expect(
      everyRole.filter(
        (role) =>
          /admin$/i.test(role) &&
          role !== 'roles/alloydb.admin' &&
          role !== 'roles/storage.objectAdmin',
      ),
    ).toEqual([]);
    expect(
      everyRole.filter((role) => /serviceAccount|securityAdmin|IamAdmin|tokenCreator/i.test(role)),
    ).toEqual([]);
  });

  it('gives people no way to read secret values', () => {
    const people = [...Object.values(peopleRoles).flat(), ...Object.values(secretRoles).flat()];
    expect(people).not.toContain(workloadRoles.secretAccessor);
    expect(peopleRoles.administrators).toContain('roles/secretmanager.secretVersionAdder');
  });

  it('is the table docs/governance.md shows', async () => {
    const docs = await readFile(new URL('../../docs/governance.md', import.meta.url), 'utf8');
    for (const [level, roles] of Object.entries(peopleRoles)) {
      const row = new RegExp(`^\\| ${level} \\| (.*) \\|$`, 'm').exec(docs)?.[1];
      expect([level, row?.split(', ').map((role) => `roles/${role}`)]).toEqual([level, roles]);
    }
  });
});
