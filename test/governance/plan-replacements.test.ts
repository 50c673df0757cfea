import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/core/governance/build-plan.ts';
import { createTestRepository, type TestRepository } from '../support/git-repository.ts';
import { runCli } from '../support/run-cli.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const PRODUCTION =
  'organization/kestrel-freight/organizational-unit/warehouse/environment/production';
const INVENTORY = `${PRODUCTION}/project/inventory.yaml`;
const DATABASE = `${PRODUCTION}/project/inventory/database/inventory-db.yaml`;
const BUCKET = `${PRODUCTION}/project/floor-devices/bucket/returns-archive.yaml`;

describe("infrastream plan, when the example's warehouse production project moves region", () => {
  let repository: TestRepository;
  const original: Record<string, string> = {};

  beforeAll(async () => {
    repository = await createTestRepository();
    await cp(EXAMPLES, repository.directory, { recursive: true });
    await repository.commit('The example organization');
    for (const file of [INVENTORY, DATABASE])
      original[file] = await readFile(join(EXAMPLES, file), 'utf8');
  });

  afterAll(async () => {
    await rm(repository.directory, { recursive: true, force: true });
  });

  const moveInventory = () =>
    repository.write({
      [INVENTORY]: (original[INVENTORY] ?? '').replace(
        'region: europe-west4',
        'region: europe-west1',
      ),
    });

  it('shows the database cluster replaced, counts it as destroyed, and fails at the region', async () => {
    await moveInventory();
    const text = await runCli(['plan', repository.directory]);
    expect(text.code).toBe(1);
    const lines = text.stdout.split('\n');
    const replaced = lines.indexOf(
      '-/+ alloydb_cluster.inventory-db  (destroyed, then created again)',
    );
    expect(replaced).toBeGreaterThan(-1);
    expect(lines[replaced + 1]).toBe(
      '      region: "europe-west4" → "europe-west1"  # forces replacement: google_alloydb_cluster.this location, google_alloydb_instance.primary cluster, google_alloydb_user.iam cluster',
    );
    // The topic's persistence regions change in place: an update, not a replacement.
    expect(lines).toContain('  ~ pubsub_topic.stock-movements');
    expect(lines).not.toContain(
      '-/+ pubsub_topic.stock-movements  (destroyed, then created again)',
    );
    // Replacements are listed before, and apart from, the changes in place.
    expect(replaced).toBeLessThan(lines.indexOf('  ~ pubsub_topic.stock-movements'));
    // The region line of inventory.yaml (line 13) is what causes it.
    expect(lines).toContain(`  ! ${INVENTORY}:13:11 lifecycle/replaces-data`);
    expect(text.stdout).toMatch(
      /Plan: \d+ to create, \d+ to change, \d+ to destroy \(\d+ replaced\)/,
    );
    expect(text.stderr).toContain('loses data its declarations do not allow');

    const json = JSON.parse(
      (await runCli(['plan', repository.directory, '--format', 'json'])).stdout,
    ) as Plan;
    const workspace = json.workspaces.find((item) => item.id === 'warehouse.production.inventory');
    const cluster = workspace?.replace.find(
      (item) => item.address === 'alloydb_cluster.inventory-db',
    );
    expect(cluster?.forcedBy).toEqual([
      {
        path: 'region',
        module: 'alloydb',
        input: 'region',
        resources: {
          'google_alloydb_cluster.this': 'location',
          'google_alloydb_instance.primary': 'cluster',
          'google_alloydb_user.iam': 'cluster',
        },
      },
    ]);
    expect(workspace?.update.map((item) => item.address)).not.toContain(
      'alloydb_cluster.inventory-db',
    );
    const replacedCount = json.workspaces.reduce((sum, item) => sum + item.replace.length, 0);
    const destroyedCount = json.workspaces.reduce((sum, item) => sum + item.destroy.length, 0);
    expect(json.summary.replace).toBe(replacedCount);
    expect(json.summary.destroy).toBe(destroyedCount + replacedCount);
    expect(json.issues).toEqual([
      expect.objectContaining({
        file: INVENTORY,
        line: 13,
        column: 11,
        pointer: '/spec/region',
        rule: 'lifecycle/replaces-data',
        severity: 'error',
        related: [expect.objectContaining({ file: DATABASE, line: 4 })],
      }),
    ]);
  });

  it('passes once the database declaration allows the replacement, and still shows it', async () => {
    await moveInventory();
    await repository.write({
      [DATABASE]: `${original[DATABASE]}  lifecycle:\n    allowReplacement: The cluster moves with the VPN; restored from the last backup\n`,
    });
    const text = await runCli(['plan', repository.directory]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('-/+ alloydb_cluster.inventory-db');
    expect(text.stdout).toContain(
      '      allowed: The cluster moves with the VPN; restored from the last backup\n',
    );
    expect(text.stdout).not.toContain('# Refused');
  });

  it('refuses removing a bucket, unless the revision before allowed it', async () => {
    await repository.git('checkout', '--', '.');
    const bucket = (lifecycle: string) => `apiVersion: lowops.manifests.v1
kind: Bucket
metadata:
  name: returns-archive
  project: floor-devices
  environment: production
  organizational-unit: warehouse
  organization: kestrel-freight
spec:
  description: Scans of returned parcels
${lifecycle}`;
    await repository.write({ [BUCKET]: bucket('') });
    await repository.commit('A bucket for the returns');
    await rm(join(repository.directory, BUCKET));
    const refused = await runCli(['plan', repository.directory, '--format', 'json']);
    expect(refused.code).toBe(1);
    expect((JSON.parse(refused.stdout) as Plan).issues).toEqual([
      expect.objectContaining({
        file: BUCKET,
        line: 4,
        column: 9,
        rule: 'lifecycle/destroys-data',
        message: expect.stringContaining('destroys bucket.returns-archive') as unknown,
      }),
    ]);

    await repository.write({
      [BUCKET]: bucket('  lifecycle:\n    allowReplacement: Returns are archived on paper again\n'),
    });
    await repository.commit('The returns archive may go');
    await rm(join(repository.directory, BUCKET));
    const allowed = await runCli(['plan', repository.directory]);
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain(
      '  - bucket.returns-archive\n      allowed: Returns are archived on paper again\n',
    );
  });
});
