// The hub applies and keeps egress working: the network-hub module and the example
// organization's rendered workspaces fit the google provider's schema, and each thing egress
// needs is there: the NAT's default route, private DNS for Google APIs, the databases' range,
// proxy rules in the hub's project, and the proxy's certificate and subnet keyed as the module
// reads them. terraform validate itself needs the google provider, which cannot be downloaded
// where the tests run; test/infra/provider-schema.test.ts says how it runs with a mirror.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { readRepositoryFiles } from '../../shared/adapters/local-repository-files.ts';
import { analyzeRepository } from '../../shared/core/governance/analyze-repository.ts';
import { compileWorkspaces } from '../../shared/core/governance/compile-workspaces.ts';
import { EGRESS_PROXY_RANGE, GOOGLE_API_RANGES } from '../../shared/core/governance/network.ts';
import {
  exampleRenderConfig,
  exampleRepository,
  renderConfigSchema,
} from '../../shared/core/render/render-config.ts';
import { renderWorkspace } from '../../shared/core/render/render-workspace.ts';
import {
  checkRenderedWorkspace,
  providerSchemaPath,
  type ProviderSchema,
} from '../infra/provider-schema.ts';
import { examplesDirectory } from '../support/corpus.ts';
import {
  blocks,
  loadModules,
  moduleNamed,
  text,
  validationText,
  type Body,
  type Resource,
} from '../terraform-modules/load-modules.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schema = JSON.parse(await readFile(join(root, providerSchemaPath), 'utf8')) as ProviderSchema;
const hub = moduleNamed(await loadModules(), 'network-hub');
const config = exampleRenderConfig;

const analysis = analyzeRepository(readRepositoryFiles(examplesDirectory, 10_000));
const rendered = new Map(
  [...compileWorkspaces(analysis.state)].map(([id, workspace]) => [
    id,
    renderWorkspace(analysis.state, workspace, config, exampleRepository),
  ]),
);

interface Workspace {
  module: Record<string, Body>;
  resource?: Record<string, Record<string, Body>>;
  output?: Record<string, { value: Body }>;
}
const workspace = (id: string) => JSON.parse(rendered.get(id) ?? '{}') as Workspace;
const hubCall = workspace('organization').module['network_hub'] ?? {};

function resourcesOf(type: string): Resource[] {
  return hub.resources.filter((resource) => resource.type === type);
}

function one(type: string, name: string): Body {
  const found = hub.resources.find((resource) => resource.type === type && resource.name === name);
  expect(found, `${type}.${name}`).toBeDefined();
  return found?.body ?? {};
}

/** The addresses of a /30. */
function addressesOf(range: string): string[] {
  const [base = '', bits = '32'] = range.split('/');
  const octets = base.split('.').map(Number);
  const last = octets.pop() ?? 0;
  return Array.from({ length: 2 ** (32 - Number(bits)) }, (_, offset) =>
    [...octets, last + offset].join('.'),
  );
}

describe('the network hub applies', () => {
  it('INFRASTREAM_HUB_SCHEMA: the rendered hub workspace fits the provider schema and the modules it calls', async () => {
    const folder = join(root, 'workspaces', 'organization');
    const text = rendered.get('organization') ?? '';
    expect(await checkRenderedWorkspace('organization', folder, text, schema)).toEqual([]);
  });

  it('INFRASTREAM_HUB_SCHEMA_RULES: the project workspaces fit the modules they call, and their proxy rules the provider schema', async () => {
    expect(rendered.size).toBeGreaterThan(1);
    for (const [id, text] of rendered) {
      // The schema holds the types terraform-modules/ and infra/ use; the project workspaces
      // also read data sources of their own, which it does not hold.
      const problems = await checkRenderedWorkspace(id, join(root, 'workspaces', id), text, schema);
      expect(
        problems.filter((problem) => !problem.endsWith('run scripts/extract-provider-schema.ts')),
        id,
      ).toEqual([]);
    }
  });

  it('INFRASTREAM_HUB_SCHEMA_CHECKS_CALLS: a hub call missing a variable, or giving one it does not have, is reported', async () => {
    const organization = workspace('organization');
    const { database_range_name: _omitted, ...call } = hubCall;
    const broken = {
      ...organization,
      module: { ...organization.module, network_hub: { ...call, swg_subnet_cidr: '10.0.0.0/24' } },
    };
    expect(
      await checkRenderedWorkspace(
        'organization',
        join(root, 'workspaces', 'organization'),
        JSON.stringify(broken),
        schema,
      ),
    ).toEqual([
      'organization: module.network_hub: "swg_subnet_cidr" is not a variable of ../../terraform-modules/network-hub',
      'organization: module.network_hub: missing variable "database_range_name"',
    ]);
  });

  it('INFRASTREAM_HUB_NAT_ROUTE: the NAT keeps a default route to the internet gateway, on the hub network', () => {
    const network = one('google_compute_network', 'this');
    expect(network.delete_default_routes_on_create).toBe(true);
    const defaults = resourcesOf('google_compute_route').filter(
      (route) => route.body.dest_range === '0.0.0.0/0',
    );
    expect(defaults.map((route) => route.name)).toEqual(['internet']);
    expect(defaults[0]?.body).toMatchObject({
      network: '${google_compute_network.this.id}',
      next_hop_gateway: 'default-internet-gateway',
      priority: 1000,
    });
    // The NAT serves every subnet through the router of that same network.
    expect(one('google_compute_router', 'this').network).toBe('${google_compute_network.this.id}');
    expect(one('google_compute_router_nat', 'this')).toMatchObject({
      router: '${google_compute_router.this.name}',
      source_subnetwork_ip_ranges_to_nat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
    });
    // What may take that route stays the firewall's to say: the hub denies all egress.
    expect(one('google_compute_firewall', 'deny_all_egress')).toMatchObject({
      direction: 'EGRESS',
      destination_ranges: ['0.0.0.0/0'],
      priority: 65535,
    });
  });

  it('INFRASTREAM_HUB_PRIVATE_DNS: googleapis.com is a private zone of the hub network, resolving to the routed VIPs', () => {
    const zone = one('google_dns_managed_zone', 'private_google');
    expect(zone.for_each).toBe('${local.private_google_zones}');
    expect(zone.visibility).toBe('private');
    expect(zone.dns_name).toBe('${each.value}');
    expect(blocks(blocks(zone, 'private_visibility_config')[0] ?? {}, 'networks')).toEqual([
      { network_url: '${google_compute_network.this.id}' },
    ]);
    const zones = hub.locals.get('private_google_zones') as Record<string, string>;
    expect(zones['googleapis']).toBe('googleapis.com.');
    const records = one('google_dns_record_set', 'private_google');
    expect(records).toMatchObject({
      for_each: '${local.private_google_records}',
      managed_zone: '${google_dns_managed_zone.private_google[each.value.zone].name}',
      name: '${each.value.name}',
      type: '${each.value.type}',
      rrdatas: '${each.value.rrdatas}',
    });
    const byName = new Map(
      Object.values(
        hub.locals.get('private_google_records') as Record<
          string,
          { zone: string; name: string; type: string; rrdatas: string[] }
        >,
      ).map((record) => [record.name, record]),
    );
    const [restricted, routedPrivate] = GOOGLE_API_RANGES;
    expect(byName.get('private.googleapis.com.')).toEqual({
      zone: 'googleapis',
      name: 'private.googleapis.com.',
      type: 'A',
      rrdatas: addressesOf(routedPrivate),
    });
    expect(byName.get('restricted.googleapis.com.')).toEqual({
      zone: 'googleapis',
      name: 'restricted.googleapis.com.',
      type: 'A',
      rrdatas: addressesOf(restricted),
    });
    expect(byName.get('*.googleapis.com.')).toEqual({
      zone: 'googleapis',
      name: '*.googleapis.com.',
      type: 'CNAME',
      rrdatas: ['private.googleapis.com.'],
    });
    // Every record sits in a zone the module makes, and each VIP is routed.
    for (const record of byName.values()) expect(Object.keys(zones)).toContain(record.zone);
    expect(
      Object.values(hub.locals.get('google_api_ranges') as Record<string, string>).sort(),
    ).toEqual([...GOOGLE_API_RANGES].sort());
  });

  it('INFRASTREAM_HUB_DATABASE_RANGE: the databases range is allocated for peering and peered, under the name the clusters use', () => {
    expect(one('google_compute_global_address', 'database')).toMatchObject({
      name: '${var.database_range_name}',
      network: '${google_compute_network.this.id}',
      purpose: 'VPC_PEERING',
      address_type: 'INTERNAL',
      prefix_length: '${var.database_range_prefix_length}',
    });
    expect(one('google_service_networking_connection', 'database')).toMatchObject({
      network: '${google_compute_network.this.id}',
      service: 'servicenetworking.googleapis.com',
      reserved_peering_ranges: ['${google_compute_global_address.database.name}'],
    });
    expect(hubCall['database_range_name']).toBe(config.hub.databaseRange);
    const clusters = [...rendered.keys()]
      .filter((id) => id !== 'organization')
      .flatMap((id) =>
        Object.values(workspace(id).module).filter((call) =>
          text(call['source']).endsWith('/alloydb'),
        ),
      );
    expect(clusters.length).toBeGreaterThan(0);
    for (const cluster of clusters) {
      expect(cluster['allocated_ip_range']).toBe(config.hub.databaseRange);
    }
  });

  it('INFRASTREAM_HUB_PROXY_RULE_PROJECT: every proxy rule names the hub project and the policy by name', () => {
    expect(
      one('google_network_security_gateway_security_policy_rule', 'allowed_hosts'),
    ).toMatchObject({
      project: '${var.project_id}',
      gateway_security_policy: '${google_network_security_gateway_security_policy.this.name}',
    });
    expect(workspace('organization').output?.['network']?.value['proxy_policy']).toBe(
      '${module.network_hub.secure_web_proxy_policy_name}',
    );
    const outputs = hub.outputs.get('secure_web_proxy_policy_name');
    expect(outputs?.value).toBe('${google_network_security_gateway_security_policy.this.name}');
    const rules = [...rendered.keys()].flatMap((id) =>
      Object.values(
        workspace(id).resource?.['google_network_security_gateway_security_policy_rule'] ?? {},
      ),
    );
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule['project']).toBe(config.hub.projectId);
      expect(rule['location']).toBe(config.hub.region);
      expect(text(rule['gateway_security_policy'])).toMatch(/\.network\.proxy_policy\}$/);
    }
  });

  it('INFRASTREAM_HUB_PROXY_KEYS: the proxy takes its address from a subnet keyed as the module reads it, in the range projects open, with certificates of its region', () => {
    const subnets = hubCall['subnets'] as Record<string, { region: string; ip_cidr_range: string }>;
    const key = text(hubCall['swg_subnet']);
    expect(Object.keys(subnets)).toContain(key);
    expect(subnets[key]).toEqual({
      region: config.hub.region,
      ip_cidr_range: config.hub.proxySubnetCidr,
    });
    const gateway = one('google_network_services_gateway', 'this');
    expect(gateway['subnetwork']).toBe('${google_compute_subnetwork.this[var.swg_subnet].id}');
    expect(JSON.stringify(gateway['lifecycle'])).toContain(
      'coalesce(var.subnets[var.swg_subnet].region, var.region)',
    );
    // The range the projects' firewalls open as egress-proxy is that subnet's.
    const proxyRanges = [...rendered.keys()]
      .filter((id) => id !== 'organization')
      .flatMap((id) =>
        (
          workspace(id).module['firewall']?.['allow_rules'] as { name: string; ranges: string[] }[]
        ).filter((rule) => rule.name === `allow-${EGRESS_PROXY_RANGE}`),
      )
      .flatMap((rule) => rule.ranges);
    expect(proxyRanges.length).toBeGreaterThan(0);
    expect(new Set(proxyRanges)).toEqual(new Set([config.hub.proxySubnetCidr]));
    // Certificates as the module's validation and the gateway's region want them.
    const certificates = hubCall['swg_certificate_urls'] as string[];
    expect(certificates.length).toBeGreaterThan(0);
    expect(validationText(hub.variables.get('swg_certificate_urls'))).toContain(
      '^projects/[^/]+/locations/[^/]+/certificates/[^/]+$',
    );
    for (const url of certificates) {
      expect(url).toMatch(/^projects\/[^/]+\/locations\/[^/]+\/certificates\/[^/]+$/);
      expect(url.split('/')[3]).toBe(config.hub.region);
    }
  });

  it('INFRASTREAM_HUB_PROXY_KEYS_REFUSED: a configuration without a certificate, or with one of another region, is refused where it is wrong', () => {
    const paths = (hub: Record<string, unknown>) => {
      const result = v.safeParse(renderConfigSchema, { ...config, hub: { ...config.hub, ...hub } });
      return result.success
        ? []
        : result.issues.map(
            (issue) =>
              `${(issue.path ?? []).map((item) => String(item.key)).join('.')}: ${issue.message}`,
          );
    };
    expect(paths({})).toEqual([]);
    expect(paths({ certificateUrls: [] })).toEqual([
      'hub.certificateUrls: expected at least one certificate: the egress proxy cannot be made without',
    ]);
    expect(
      paths({
        certificateUrls: ['projects/example-network-hub/locations/us-east1/certificates/swg'],
      }),
    ).toEqual([
      'hub.certificateUrls: expected certificates in the hub region, where the egress proxy is',
    ]);
    expect(paths({ certificateUrls: ['swg'] })).toEqual([
      'hub.certificateUrls.0: expected projects/<project>/locations/<region>/certificates/<name>',
    ]);
  });
});
