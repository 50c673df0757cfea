// Hardening facts of the network modules: network-hub, project-firewall and public-ingress.
import { describe, expect, it } from 'vitest';
import {
  allBlocks,
  blocks,
  dynamicHeaders,
  label,
  loadModules,
  moduleNamed,
  path,
  resourcesOfType,
  text,
  validationText,
  variableReferences,
  type Body,
} from './load-modules.ts';

const modules = await loadModules();
const hub = moduleNamed(modules, 'network-hub');
const firewallModule = moduleNamed(modules, 'project-firewall');
const ingress = moduleNamed(modules, 'public-ingress');
const firewalls = resourcesOfType(modules, 'google_compute_firewall');
const anywhere = ['0.0.0.0/0', '::/0'];

function ranges(body: Body): string[] {
  return [body.source_ranges, body.destination_ranges].flatMap((value) =>
    Array.isArray(value) ? value.filter((range) => typeof range === 'string') : [],
  );
}

const isProxyOnly = (body: Body) =>
  ['REGIONAL_MANAGED_PROXY', 'GLOBAL_MANAGED_PROXY', 'INTERNAL_HTTPS_LOAD_BALANCER'].includes(
    text(body.purpose),
  );

describe('terraform-modules: firewalls', () => {
  it('CKV_GCP_2 / CKV_GCP_3 / CKV_GCP_106: no google_compute_firewall allows 0.0.0.0/0 or ::/0', () => {
    const allowing = firewalls.filter((firewall) => allBlocks(firewall.body, 'allow').length > 0);
    expect(allowing.length).toBeGreaterThan(0);
    for (const firewall of allowing) {
      expect(ranges(firewall.body).filter((range) => anywhere.includes(range))).toEqual([]);
      // Ranges taken from inputs come from a variable whose validation rejects both.
      const sources = [firewall.body.source_ranges, firewall.body.destination_ranges].flatMap(
        (value) => [...variableReferences(firewallModule, value)],
      );
      const inputs = [
        ...new Set([...sources, ...variableReferences(firewallModule, firewall.body.for_each)]),
      ];
      expect(inputs, label(firewall)).toEqual(['allow_rules']);
      const conditions = validationText(firewallModule.variables.get('allow_rules'));
      expect(conditions).toContain('0.0.0.0/0');
      expect(conditions).toContain('::/0');
    }
  });

  it('INFRASTREAM_FIREWALL_LOGGING: every google_compute_firewall has log_config with all metadata', () => {
    expect(firewalls.length).toBeGreaterThanOrEqual(7);
    for (const firewall of firewalls) {
      expect(blocks(firewall.body, 'log_config')[0]?.metadata, label(firewall)).toBe(
        'INCLUDE_ALL_METADATA',
      );
    }
  });

  it('INFRASTREAM_FIREWALL_DENY_ALL: project-firewall denies all INGRESS and EGRESS, IPv4 and IPv6, at priority 65535', () => {
    const denies = firewallModule.resources.filter(
      (resource) =>
        resource.type === 'google_compute_firewall' &&
        blocks(resource.body, 'deny')[0]?.protocol === 'all',
    );
    const covered = denies.flatMap((deny) => {
      expect(deny.body.priority, label(deny)).toBe(65535);
      return ranges(deny.body).map((range) => `${text(deny.body.direction)} ${range}`);
    });
    expect(covered.sort()).toEqual([
      'EGRESS 0.0.0.0/0',
      'EGRESS ::/0',
      'INGRESS 0.0.0.0/0',
      'INGRESS ::/0',
    ]);
  });

  it('INFRASTREAM_FIREWALL_TARGETED: every allow rule targets service accounts, never tags', () => {
    for (const firewall of firewalls.filter(
      (candidate) => allBlocks(candidate.body, 'allow').length > 0,
    )) {
      expect(firewall.body.target_service_accounts, label(firewall)).toBeDefined();
      expect(firewall.body.target_tags, label(firewall)).toBeUndefined();
      expect(firewall.body.source_tags, label(firewall)).toBeUndefined();
    }
    expect(validationText(firewallModule.variables.get('allow_rules'))).toContain(
      'length(rule.target_service_accounts) > 0',
    );
  });

  it('INFRASTREAM_FIREWALL_DESCRIBED: every rule has a description, and allow rules must be given one', () => {
    for (const firewall of firewalls) {
      expect(firewall.body.description, label(firewall)).toEqual(expect.any(String));
    }
    expect(validationText(firewallModule.variables.get('allow_rules'))).toContain(
      'length(trimspace(rule.description))',
    );
  });

  it('INFRASTREAM_FIREWALL_NO_IMPLICIT_ANYWHERE: an EGRESS allow rule without ranges (read as 0.0.0.0/0) is rejected', () => {
    expect(validationText(firewallModule.variables.get('allow_rules'))).toMatch(
      /rule\.direction == \\"EGRESS\\" \? length\(rule\.ranges\) > 0/,
    );
  });
});

describe('terraform-modules: network-hub', () => {
  const network = hub.resources.find((resource) => resource.type === 'google_compute_network');

  it('CKV2_GCP_18: every network module also defines firewall rules for its network', () => {
    for (const module of modules.filter((candidate) =>
      candidate.resources.some((resource) => resource.type === 'google_compute_network'),
    )) {
      const own = module.resources.filter(
        (resource) => resource.type === 'google_compute_firewall',
      );
      expect(own.length, module.name).toBeGreaterThan(0);
      for (const firewall of own) {
        expect(firewall.body.network).toBe('${google_compute_network.this.id}');
      }
    }
  });

  it('INFRASTREAM_NO_DEFAULT_NETWORK_ROUTE: custom mode, default routes deleted, one named 0.0.0.0/0 route for the NAT', () => {
    expect(network?.body.auto_create_subnetworks).toBe(false);
    expect(network?.body.delete_default_routes_on_create).toBe(true);
    // Cloud NAT needs it (INFRASTREAM_HUB_NAT_ROUTE); the firewall decides what may use it.
    expect(
      resourcesOfType(modules, 'google_compute_route')
        .filter((route) => JSON.stringify(route.body).includes('0.0.0.0/0'))
        .map(label),
    ).toEqual([
      label({ module: 'network-hub', type: 'google_compute_route', name: 'internet', body: {} }),
    ]);
  });

  it('INFRASTREAM_PRIVATE_GOOGLE_ACCESS_ROUTES: explicit routes to 199.36.153.8/30 and 199.36.153.4/30 via default-internet-gateway', () => {
    const [route] = hub.resources.filter((resource) => resource.type === 'google_compute_route');
    expect(route?.body.next_hop_gateway).toBe('default-internet-gateway');
    expect(route?.body.dest_range).toBe('${each.value}');
    expect(route?.body.for_each).toBe('${local.google_api_ranges}');
    expect(Object.values(hub.locals.get('google_api_ranges') ?? {}).sort()).toEqual([
      '199.36.153.4/30',
      '199.36.153.8/30',
    ]);
  });

  it('CKV_GCP_74: every subnet (except proxy-only) has private_ip_google_access = true', () => {
    const subnets = resourcesOfType(modules, 'google_compute_subnetwork');
    expect(subnets.filter((subnet) => !isProxyOnly(subnet.body)).length).toBeGreaterThan(0);
    for (const subnet of subnets.filter((candidate) => !isProxyOnly(candidate.body))) {
      expect(subnet.body.private_ip_google_access, label(subnet)).toBe(true);
    }
  });

  it('CKV_GCP_26: every subnet (except proxy-only) has VPC flow logs with all metadata', () => {
    for (const subnet of resourcesOfType(modules, 'google_compute_subnetwork').filter(
      (candidate) => !isProxyOnly(candidate.body),
    )) {
      const logs = blocks(subnet.body, 'log_config')[0];
      expect(logs?.metadata, label(subnet)).toBe('INCLUDE_ALL_METADATA');
      expect(logs?.flow_sampling, label(subnet)).toBe(1);
    }
  });

  it('INFRASTREAM_NAT_LOGGING: every Cloud NAT logs all translations and errors', () => {
    const nats = resourcesOfType(modules, 'google_compute_router_nat');
    expect(nats.length).toBeGreaterThan(0);
    for (const nat of nats) {
      expect(blocks(nat.body, 'log_config')[0], label(nat)).toEqual({
        enable: true,
        filter: 'ALL',
      });
    }
  });

  it('INFRASTREAM_SHARED_VPC_HOST: the hub project is a Shared VPC host', () => {
    expect(hub.resources.map((resource) => resource.type)).toContain(
      'google_compute_shared_vpc_host_project',
    );
  });

  it('INFRASTREAM_SWG_ALLOWLIST: the Secure Web Proxy allows only var.allowed_hosts, and with none nothing passes', () => {
    const [gateway] = hub.resources.filter(
      (resource) => resource.type === 'google_network_services_gateway',
    );
    expect(gateway?.body.type).toBe('SECURE_WEB_GATEWAY');
    expect(gateway?.body.gateway_security_policy).toBe(
      '${google_network_security_gateway_security_policy.this.id}',
    );
    const rules = hub.resources.filter(
      (resource) => resource.type === 'google_network_security_gateway_security_policy_rule',
    );
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule?.body.basic_profile).toBe('ALLOW');
    expect(rule?.body.count).toBe('${length(var.allowed_hosts) > 0 ? 1 : 0}');
    expect(rule?.body.session_matcher).toBe('${local.swg_session_matcher}');
    expect([...variableReferences(hub, rule?.body.session_matcher)]).toEqual(['allowed_hosts']);
    expect(hub.variables.get('allowed_hosts')?.body.default).toEqual([]);
    const proxyOnly = hub.resources.filter(
      (resource) => resource.type === 'google_compute_subnetwork' && isProxyOnly(resource.body),
    );
    expect(proxyOnly.map((subnet) => subnet.body.purpose)).toEqual(['REGIONAL_MANAGED_PROXY']);
  });
});

describe('terraform-modules: public-ingress', () => {
  it('CKV_GCP_4: every SSL policy requires TLS 1.2 with the MODERN or RESTRICTED profile', () => {
    const policies = resourcesOfType(modules, 'google_compute_ssl_policy');
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) {
      expect(policy.body.min_tls_version, label(policy)).toBe('TLS_1_2');
      expect(['MODERN', 'RESTRICTED'], label(policy)).toContain(policy.body.profile);
    }
  });

  it('CKV_GCP_73: Cloud Armor denies Log4j2 message lookups (CVE-2021-44228), not in preview', () => {
    for (const policy of resourcesOfType(modules, 'google_compute_security_policy')) {
      const log4j = blocks(policy.body, 'rule').find((rule) =>
        [
          "evaluatePreconfiguredWaf('cve-canary')",
          "evaluatePreconfiguredExpr('cve-canary')",
        ].includes(text(path(rule, 'match', 'expr')?.expression)),
      );
      expect(log4j?.action, label(policy)).toMatch(/^deny\(\d{3}\)$/);
      expect(log4j?.preview, label(policy)).not.toBe(true);
    }
  });

  it('INFRASTREAM_ARMOR_ON_EVERY_BACKEND: every backend service is EXTERNAL_MANAGED, behind Cloud Armor, and logs requests', () => {
    const backends = resourcesOfType(modules, 'google_compute_backend_service');
    expect(backends.length).toBeGreaterThan(0);
    for (const backend of backends) {
      expect(backend.body.load_balancing_scheme, label(backend)).toBe('EXTERNAL_MANAGED');
      expect(backend.body.security_policy, label(backend)).toMatch(
        /^\$\{google_compute_security_policy\.[a-z_]+\.(self_link|id)\}$/,
      );
      expect(blocks(backend.body, 'log_config')[0]?.enable, label(backend)).toBe(true);
    }
  });

  it('INFRASTREAM_IAP_ON_INTERNAL: backends of INTERNAL routes have iap { enabled = true }, granted member-level', () => {
    const [backend] = ingress.resources.filter(
      (resource) => resource.type === 'google_compute_backend_service',
    );
    const [iap] = dynamicHeaders(backend?.body ?? {}, 'iap');
    expect(iap?.for_each).toBe('${each.value.audience == "INTERNAL" ? [true] : []}');
    expect(blocks(iap ?? {}, 'content')[0]?.enabled).toBe(true);
    const grants = ingress.resources.filter((resource) => resource.type.startsWith('google_iap_'));
    expect(grants.map((grant) => grant.type)).toEqual([
      'google_iap_web_backend_service_iam_member',
    ]);
  });

  it('INFRASTREAM_SERVERLESS_NEG: every backend serves a serverless NEG pointing at Cloud Run', () => {
    for (const neg of resourcesOfType(modules, 'google_compute_region_network_endpoint_group')) {
      expect(neg.body.network_endpoint_type, label(neg)).toBe('SERVERLESS');
      expect(blocks(neg.body, 'cloud_run')).toHaveLength(1);
    }
  });

  it('INFRASTREAM_HTTPS_ONLY: 443 terminates TLS with an SSL policy, 80 only redirects to HTTPS', () => {
    const rules = resourcesOfType(modules, 'google_compute_global_forwarding_rule');
    expect(rules.map((rule) => rule.body.port_range).sort()).toEqual(['443', '80']);
    for (const rule of rules) {
      expect(rule.body.load_balancing_scheme, label(rule)).toBe('EXTERNAL_MANAGED');
      const target = text(rule.body.target);
      if (rule.body.port_range === '443') {
        expect(target).toMatch(/^\$\{google_compute_target_https_proxy\./);
      } else {
        expect(target).toMatch(/^\$\{google_compute_target_http_proxy\.redirect\.id\}$/);
      }
    }
    for (const proxy of resourcesOfType(modules, 'google_compute_target_https_proxy')) {
      expect(proxy.body.ssl_policy, label(proxy)).toMatch(/^\$\{google_compute_ssl_policy\./);
    }
    for (const proxy of resourcesOfType(modules, 'google_compute_target_http_proxy')) {
      const urlMap = ingress.resources.find(
        (resource) =>
          resource.type === 'google_compute_url_map' &&
          proxy.body.url_map === `\${google_compute_url_map.${resource.name}.id}`,
      );
      const redirect = blocks(urlMap?.body ?? {}, 'default_url_redirect')[0];
      expect(redirect?.https_redirect, label(proxy)).toBe(true);
      expect(urlMap?.body.default_service, label(proxy)).toBeUndefined();
    }
  });
});
