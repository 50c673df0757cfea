import { internetReach } from '../governance/ip-ranges.ts';
import type { Finding } from './plan-rule.ts';
import {
  block,
  blocks,
  describe,
  isNonEmpty,
  listed,
  own,
  stringList,
  UNKNOWN,
  type Attributes,
  type StringList,
} from './planned-values.ts';
import type { PlannedResource } from './read-plan.ts';

/** Firewall policy rules, one resource per rule. */
export const FIREWALL_POLICY_RULE_TYPES = [
  'google_compute_firewall_policy_rule',
  'google_compute_network_firewall_policy_rule',
  'google_compute_region_network_firewall_policy_rule',
];

/** Firewall policies that hold their rules inline, in `rule` blocks. */
export const FIREWALL_POLICY_WITH_RULES_TYPES = [
  'google_compute_firewall_policy_with_rules',
  'google_compute_network_firewall_policy_with_rules',
  'google_compute_region_network_firewall_policy_with_rules',
];

/** Resources that can carry an external IP address. */
export const EXTERNAL_IP_TYPES = [
  'google_compute_address',
  'google_compute_global_address',
  'google_compute_instance',
  'google_compute_instance_from_template',
  'google_compute_instance_template',
  'google_compute_region_instance_template',
];

/** The one external address the modules declare: the public load balancer's. */
const admittedExternalAddresses = [
  { module: 'public-ingress', type: 'google_compute_global_address', name: 'this' },
];

/**
 * A VPC firewall rule that allows traffic judged on the union of its ranges. Google Cloud
 * reads an ingress rule with no source at all, and an egress rule with no destination, as
 * one from or to 0.0.0.0/0.
 */
export function checkFirewall(after: Attributes): Finding[] {
  if (!isNonEmpty(blockList(own(after, 'allow')))) return [];
  const direction = own(after, 'direction');
  if (direction === UNKNOWN) {
    return [
      {
        message:
          'allows traffic in a direction not known until apply; expected a literal direction',
      },
    ];
  }
  const egress = direction === 'EGRESS';
  const ranges = stringList(own(after, egress ? 'destination_ranges' : 'source_ranges'));
  const otherSources = egress
    ? []
    : [stringList(own(after, 'source_tags')), stringList(own(after, 'source_service_accounts'))];
  return judgeRanges(egress, ranges, otherSources, '');
}

/** A firewall policy rule (hierarchical, global or regional network policy). */
export function checkFirewallPolicyRule(after: Attributes): Finding[] {
  return checkPolicyRule(after, '');
}

/** The inline `rule` blocks of a firewall policy with rules. */
export function checkFirewallPolicyWithRules(after: Attributes): Finding[] {
  return blocks(after, 'rule').flatMap((rule) => {
    const name = own(rule, 'rule_name');
    const label = `rule ${describe(own(rule, 'priority'))}${typeof name === 'string' ? ` (${name})` : ''} `;
    return checkPolicyRule(rule, label);
  });
}

/** External IP addresses: on instances, and addresses other than the load balancer's. */
export function checkExternalIp(after: Attributes, resource: PlannedResource): Finding[] {
  if (
    resource.type === 'google_compute_address' ||
    resource.type === 'google_compute_global_address'
  ) {
    const addressType = own(after, 'address_type');
    // Both resources default to EXTERNAL.
    if (addressType === 'INTERNAL') return [];
    const admitted = admittedExternalAddresses.some(
      (address) =>
        address.module === resource.module &&
        address.type === resource.type &&
        address.name === resource.name,
    );
    if (admitted) return [];
    return [
      {
        message: `address_type is ${describe(addressType)}, an external address; expected "INTERNAL" (the only external address is the public-ingress module's load balancer address)`,
      },
    ];
  }
  return blocks(after, 'network_interface').flatMap((networkInterface, index) =>
    ['access_config', 'ipv6_access_config']
      .filter((key) => isNonEmpty(blockList(own(networkInterface, key))))
      .map((key) => ({
        message: `network_interface[${index}].${key} gives the instance an external IP address; expected none (egress goes through the network's proxy, ingress through the load balancer)`,
      })),
  );
}

// Hierarchical and network firewall policy rules: allow and apply_security_profile_group let
// traffic through; deny and goto_next do not.
const ALLOWING_ACTIONS = new Set(['allow', 'apply_security_profile_group']);

function checkPolicyRule(rule: Attributes, label: string): Finding[] {
  const action = own(rule, 'action');
  if (
    action !== UNKNOWN &&
    !(typeof action === 'string' && ALLOWING_ACTIONS.has(action.toLowerCase()))
  ) {
    return [];
  }
  const direction = own(rule, 'direction');
  if (direction === UNKNOWN) {
    return [
      {
        message: `${label}allows traffic in a direction not known until apply; expected a literal direction`,
      },
    ];
  }
  const egress = typeof direction === 'string' && direction.toUpperCase() === 'EGRESS';
  const match = block(rule, 'match') ?? {};
  const side = egress ? 'dest' : 'src';
  const context = own(match, `${side}_network_context`) ?? own(match, `${side}_network_type`);
  if (context === 'INTERNET') {
    return [
      {
        message: `${label}allows ${egress ? 'egress to' : 'ingress from'} the network context INTERNET; expected the ${egress ? 'destinations' : 'sources'} the manifests allow, or a deny rule`,
      },
    ];
  }
  const regions = stringList(own(match, `${side}_region_codes`));
  if (isNonEmpty(regions)) {
    return [
      {
        message: `${label}allows ${egress ? 'egress to' : 'ingress from'} whole countries (${listed(regions.known)}); expected the ${egress ? 'destinations' : 'sources'} the manifests allow`,
      },
    ];
  }
  const others = [
    `${side}_fqdns`,
    `${side}_address_groups`,
    `${side}_threat_intelligences`,
    ...(egress ? [] : ['src_networks']),
  ].map((key) => stringList(own(match, key)));
  const secureTags = egress
    ? []
    : [...blocks(match, 'src_secure_tags'), ...blocks(match, 'src_secure_tag')];
  if (secureTags.length > 0) others.push({ known: ['secure tag'], unknown: false });
  return judgeRanges(egress, stringList(own(match, `${side}_ip_ranges`)), others, label);
}

function judgeRanges(
  egress: boolean,
  ranges: StringList,
  otherSources: readonly StringList[],
  label: string,
): Finding[] {
  const way = egress ? 'egress to' : 'ingress from';
  const expected = `expected the ${egress ? 'destinations' : 'sources'} the manifests allow, or a deny rule`;
  if (ranges.unknown) {
    return [
      {
        message: `${label}allows ${way} ranges not known until apply, which cannot be checked; ${expected}`,
      },
    ];
  }
  if (ranges.known.length === 0) {
    if (otherSources.some((list) => isNonEmpty(list))) return [];
    return [{ message: `${label}allows ${way} no range (which means 0.0.0.0/0); ${expected}` }];
  }
  const reach = internetReach(ranges.known);
  const findings: Finding[] = [];
  if (reach.unreadable.length > 0) {
    findings.push({
      message: `${label}allows ${way} ${listed(reach.unreadable.map((range) => JSON.stringify(range)))}, which is not a CIDR range and cannot be checked; ${expected}`,
    });
  }
  if (reach.internet.length > 0) {
    const together = ranges.known.length > 1 ? ', which together reach' : ', which reaches';
    findings.push({
      message: `${label}allows ${way} ${listed(ranges.known)}${together} every public ${reach.internet.join(' and ')} address; ${expected}`,
    });
  }
  return findings;
}

function blockList(value: unknown): StringList {
  if (value === UNKNOWN) return { known: [], unknown: true };
  return { known: Array.isArray(value) ? value.map(() => 'block') : [], unknown: false };
}
