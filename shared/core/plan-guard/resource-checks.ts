import { internetReach } from '../governance/ip-ranges.ts';
import type { Finding } from './plan-rule.ts';
import {
  block,
  blocks,
  describe,
  listed,
  own,
  stringList,
  UNKNOWN,
  type Attributes,
} from './planned-values.ts';
import type { PlannedResource } from './read-plan.ts';

/** A bucket enforces public access prevention and uniform bucket-level access. */
export function checkBucket(after: Attributes): Finding[] {
  const findings: Finding[] = [];
  const prevention = own(after, 'public_access_prevention');
  if (prevention !== 'enforced') {
    findings.push({
      message: `public_access_prevention is ${describe(prevention)}; expected "enforced"`,
    });
  }
  const uniform = own(after, 'uniform_bucket_level_access');
  if (uniform !== true) {
    findings.push({
      message: `uniform_bucket_level_access is ${describe(uniform)}; expected true, so that object ACLs cannot grant access`,
    });
  }
  return findings;
}

/** Resources that are access control lists: access outside IAM, and outside review. */
export const ACL_RESOURCE = /(?:_acl|_access_control|^google_bigquery_dataset_access)$/;

/** Any ACL resource is refused. */
export function checkAcl(_after: Attributes, resource: PlannedResource): Finding[] {
  return [
    {
      message: `${resource.type} grants access by access control list, which uniform bucket-level access and member-level IAM replace; expected an IAM member grant`,
    },
  ];
}

/** Any service account key is refused. */
export function checkServiceAccountKey(): Finding[] {
  return [
    {
      message:
        'creates a service account key, a long-lived credential that can leak; expected an attached identity or Workload Identity Federation',
    },
  ];
}

/** Services and functions the internet can reach directly, not through the load balancer. */
export const SERVICE_TYPES = [
  'google_cloud_run_service',
  'google_cloud_run_v2_service',
  'google_cloudfunctions_function',
  'google_cloudfunctions2_function',
];

const INGRESS = {
  // Cloud Run (v2): internal traffic, with or without the internal and external load balancers.
  google_cloud_run_v2_service: {
    read: (after: Attributes) => ({ where: 'ingress', value: own(after, 'ingress') }),
    allowed: ['INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER', 'INGRESS_TRAFFIC_INTERNAL_ONLY'],
  },
  // Cloud Run (v1) says it with an annotation; without one the service takes all traffic.
  google_cloud_run_service: {
    read: (after: Attributes) => ({
      where: 'metadata annotation run.googleapis.com/ingress',
      value: own(own(block(after, 'metadata'), 'annotations'), 'run.googleapis.com/ingress'),
    }),
    allowed: ['internal-and-cloud-load-balancing', 'internal'],
  },
  google_cloudfunctions_function: {
    read: (after: Attributes) => ({
      where: 'ingress_settings',
      value: own(after, 'ingress_settings'),
    }),
    allowed: ['ALLOW_INTERNAL_AND_GCLB', 'ALLOW_INTERNAL_ONLY'],
  },
  google_cloudfunctions2_function: {
    read: (after: Attributes) => ({
      where: 'service_config.ingress_settings',
      value: own(block(after, 'service_config'), 'ingress_settings'),
    }),
    allowed: ['ALLOW_INTERNAL_AND_GCLB', 'ALLOW_INTERNAL_ONLY'],
  },
} as const;

/** Cloud Run and Cloud Functions admit internal and load-balancer traffic only. */
export function checkServiceIngress(after: Attributes, resource: PlannedResource): Finding[] {
  const ingress = Object.hasOwn(INGRESS, resource.type)
    ? INGRESS[resource.type as keyof typeof INGRESS]
    : undefined;
  if (ingress === undefined) return [];
  const { where, value } = ingress.read(after);
  if (typeof value === 'string' && (ingress.allowed as readonly string[]).includes(value))
    return [];
  const open = own(after, 'invoker_iam_disabled') === true;
  return [
    {
      message: `${where} is ${describe(value)}${open ? ' while the invoker check is off: anyone could call it directly' : ''}; expected ${ingress.allowed.map((item) => JSON.stringify(item)).join(' or ')}`,
    },
  ];
}

/** Cloud SQL and AlloyDB instances. */
export const DATABASE_INSTANCE_TYPES = ['google_sql_database_instance', 'google_alloydb_instance'];

/**
 * No authorized network reaches the internet, and no instance takes connections on a
 * public IPv4 address from authorized networks.
 */
export function checkOpenDatabase(after: Attributes, resource: PlannedResource): Finding[] {
  const sql = resource.type === 'google_sql_database_instance';
  const network = sql
    ? block(block(after, 'settings'), 'ip_configuration')
    : block(after, 'network_config');
  const networksKey = sql ? 'authorized_networks' : 'authorized_external_networks';
  const rangeKey = sql ? 'value' : 'cidr_range';
  const networks = blocks(network, networksKey);
  const ranges = stringList(networks.map((entry) => own(entry, rangeKey)));
  const findings: Finding[] = [];
  const reach = internetReach(ranges.known);
  if (ranges.unknown || reach.internet.length > 0 || reach.unreadable.length > 0) {
    findings.push({
      message: `${networksKey} ${ranges.unknown ? 'holds ranges not known until apply' : `allow ${listed(ranges.known)}, which ${reach.internet.length > 0 ? `reach every public ${reach.internet.join(' and ')} address` : 'cannot be read as CIDR ranges'}`}; expected private IP only`,
    });
  }
  // Cloud SQL turns a public IPv4 address on unless told otherwise; AlloyDB leaves it off.
  const publicIpKey = sql ? 'ipv4_enabled' : 'enable_public_ip';
  const publicIp = own(network, publicIpKey);
  const onPublicIp = sql ? publicIp !== false : publicIp === true;
  if (onPublicIp && networks.length > 0 && findings.length === 0) {
    findings.push({
      message: `${publicIpKey} is ${publicIp === undefined || publicIp === null ? 'not set (true)' : describe(publicIp)} with ${networksKey} (${listed(ranges.known)}): the instance takes connections from the internet; expected private IP only`,
    });
  }
  return findings;
}

/** Connections to Cloud SQL and AlloyDB are encrypted. */
export function checkDatabaseSsl(after: Attributes, resource: PlannedResource): Finding[] {
  if (resource.type === 'google_alloydb_instance') {
    // AlloyDB encrypts unless told otherwise.
    const mode = own(block(block(after, 'client_connection_config'), 'ssl_config'), 'ssl_mode');
    return mode === 'ALLOW_UNENCRYPTED_AND_ENCRYPTED' || mode === UNKNOWN
      ? [
          {
            message: `client_connection_config.ssl_config.ssl_mode is ${describe(mode)}; expected "ENCRYPTED_ONLY"`,
          },
        ]
      : [];
  }
  const ipConfiguration = block(block(after, 'settings'), 'ip_configuration');
  const findings: Finding[] = [];
  const mode = own(ipConfiguration, 'ssl_mode');
  if (mode !== 'ENCRYPTED_ONLY' && mode !== 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED') {
    findings.push({
      message: `settings.ip_configuration.ssl_mode is ${describe(mode)}; expected "ENCRYPTED_ONLY" or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"`,
    });
  }
  if (own(ipConfiguration, 'require_ssl') === false) {
    findings.push({ message: 'settings.ip_configuration.require_ssl is false; expected true' });
  }
  return findings;
}
