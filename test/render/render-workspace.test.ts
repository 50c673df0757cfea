import { describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import type { GovernedRepository } from '../../shared/core/pipeline/governed-repository.ts';
import { exampleRenderConfig, exampleRepository } from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import { editedOrganization } from '../support/base-organization.ts';
import { examplesDirectory } from '../support/corpus.ts';
import { expectGolden } from '../support/golden.ts';

/** Every interpolation in the strings (and keys) of a rendered file, as Terraform reads them. */
function interpolations(text: string): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      // `$${` is an escaped, literal `${`: skip it, then take what interpolates.
      if (value.replaceAll('%%{', '').includes('%{')) found.push(`directive in ${value}`);
      for (const match of value.replaceAll('$${', '').matchAll(/\$\{([^}]*)\}/g))
        found.push(match[1] ?? '');
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        walk(key);
        walk(item);
      }
    }
  };
  walk(JSON.parse(text));
  return found;
}
const RENDERED_REFERENCE =
  /^(?:module|data)\.[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*|\["[a-z0-9.-]+"\])*$/;

function renderAll(
  files: Parameters<typeof analyzeRepository>[0],
  repository: GovernedRepository = exampleRepository,
) {
  const analysis = analyzeRepository(files);
  expect(analysis.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
  const workspaces = compileWorkspaces(analysis.state);
  return new Map(
    [...workspaces].map(([id, workspace]) => [
      id,
      renderWorkspace(analysis.state, workspace, exampleRenderConfig, repository),
    ]),
  );
}

/** The state prefixes of a rendered workspace: its backend's, and the organization's it reads. */
function statePrefixes(text: string): string[] {
  const root = JSON.parse(text) as {
    terraform: { backend: { gcs: { prefix: string } } };
    data?: { terraform_remote_state?: { organization?: { config: { prefix: string } } } };
  };
  const organization = root.data?.terraform_remote_state?.organization?.config.prefix;
  return [root.terraform.backend.gcs.prefix, ...(organization === undefined ? [] : [organization])];
}

describe('rendering workspaces', () => {
  const examples = renderAll(readRepositoryFiles(examplesDirectory, 10_000));

  it('renders the example organization as reviewed (golden files)', () => {
    for (const id of [
      'organization',
      'shipping.production.shipments',
      'warehouse.production.inventory',
    ]) {
      expectGolden(
        new URL(`../golden/render/${id}.tf.json`, import.meta.url),
        examples.get(id) ?? '',
      );
    }
  });

  it('writes a backend of its own and pinned-by-checkout module sources for every workspace', () => {
    for (const [id, text] of examples) {
      const root = JSON.parse(text) as {
        terraform: { backend: { gcs: { prefix: string } } };
        module: Record<string, { source: string }>;
      };
      expect(root.terraform.backend.gcs.prefix).toBe(`workspaces/0/${id}`);
      for (const call of Object.values(root.module))
        expect(call.source).toMatch(/^\.\.\/\.\.\/terraform-modules\/[a-z-]+$/);
      expect(interpolations(text).filter((found) => !RENDERED_REFERENCE.test(found))).toEqual([]);
      // Google Cloud firewall rule names are at most 63 characters: `<prefix>-<rule>`.
      const firewall = (
        root.module as Record<string, { name_prefix?: string; allow_rules?: { name: string }[] }>
      )['firewall'];
      if (firewall?.name_prefix !== undefined) {
        const names = [
          ...(firewall.allow_rules ?? []).map((rule) => rule.name),
          'deny-all-ingress-ipv6',
        ];
        expect(
          names
            .map((name) => `${firewall.name_prefix ?? ''}-${name}`)
            .filter((name) => name.length > 63),
        ).toEqual([]);
      }
      // for_each keys must be known when Terraform plans: member maps are keyed statically.
      for (const [label, call] of Object.entries(
        root.module as Record<string, Record<string, unknown>>,
      )) {
        for (const [input, value] of Object.entries(call)) {
          if (!/_members$|^iam$|^iam_users$/.test(input)) continue;
          const keys = Object.keys(value as object);
          expect([label, input, keys.filter((key) => key.includes('${'))]).toEqual([
            label,
            input,
            [],
          ]);
        }
      }
    }
  });

  it('keeps every state under the repository’s id: a rename keeps it, another repository never shares it', () => {
    const files = readRepositoryFiles(examplesDirectory, 10_000);
    const platform = renderAll(files, { owner: 'acme', name: 'platform', id: 42 });
    const renamed = renderAll(files, { owner: 'acme-freight', name: 'infrastructure', id: 42 });
    const namesake = renderAll(files, { owner: 'acme', name: 'platform', id: 43 });
    const id = 'shipping.production.shipments';
    expect(statePrefixes(platform.get(id) ?? '')).toEqual([
      `workspaces/42/${id}`,
      'workspaces/42/organization',
    ]);
    expect(statePrefixes(platform.get('organization') ?? '')).toEqual([
      'workspaces/42/organization',
    ]);
    expect(renamed).toEqual(platform);
    expect(statePrefixes(namesake.get(id) ?? '')).toEqual([
      `workspaces/43/${id}`,
      'workspaces/43/organization',
    ]);
    // A local folder has no id: its state is under its name.
    const local = renderAll(files, { owner: 'local', name: 'examples' });
    expect(statePrefixes(local.get(id) ?? '')).toEqual([
      `workspaces/local/examples/${id}`,
      'workspaces/local/examples/organization',
    ]);
  });

  it('renders manifest strings as inert literals, whatever they hold', () => {
    const hostile = [
      '${file("/etc/passwd")}',
      '%{ for x in var.secrets }${x}%{ endfor }',
      'quotes " and \\ backslashes',
      'new\nline',
      '<<EOF',
      '"}}, "module": {"evil": {"source": "git::https://evil.example"}}, "x": {"',
    ];
    const rendered = renderAll(
      editedOrganization(
        {
          file: 'payments/production/shop/project.yaml',
          replace: 'displayName: Shop - Production',
          with: `displayName: ${JSON.stringify(hostile.join(' | '))}`,
        },
        {
          file: 'payments/production/shop/deployment-config.yaml',
          replace: '      - name: LOG_LEVEL\n        value: info',
          with: hostile
            .map(
              (value, index) =>
                `      - name: HOSTILE_${index}\n        value: ${JSON.stringify(value)}`,
            )
            .join('\n'),
        },
      ),
    );
    const text = rendered.get('payments.production.shop') ?? '';
    const root = JSON.parse(text) as { module: Record<string, Record<string, unknown>> };
    expect(Object.keys(root.module)).not.toContain('evil');
    expect(root.module['project']?.['name']).toBe(
      hostile
        .join(' | ')
        .replaceAll('${', () => '$${')
        .replaceAll('%{', '%%{'),
    );
    expect(root.module['service_shop']?.['env']).toEqual(
      Object.fromEntries(
        hostile.map((value, index) => [
          `HOSTILE_${index}`,
          value.replaceAll('${', () => '$${').replaceAll('%{', '%%{'),
        ]),
      ),
    );
    expect(interpolations(text).filter((found) => !RENDERED_REFERENCE.test(found))).toEqual([]);
  });
});
