/**
 * The resources of one module an input replaces, by their address inside the module
 * (`google_alloydb_cluster.this`), each with the attribute the input reaches there.
 */
export type ReplacedResources = Readonly<Record<string, string>>;

const PROJECT = 'project';

/**
 * Which inputs of each module under `terraform-modules/` replace which of its resources when
 * they change: the input reaches an attribute the google provider (6.x) marks ForceNew, so
 * Terraform destroys the resource and creates it again rather than changing it in place.
 * Read from each module's `main.tf`; a module whose inputs all change in place has an empty
 * entry. Resources that follow a replaced one (an instance of a replaced cluster) are listed
 * with the attribute that refers to it. Inputs that only add or remove `for_each` keys
 * create and destroy, and are not listed.
 */
export const replacingInputs: Readonly<
  Record<string, Readonly<Record<string, ReplacedResources>>>
> = {
  alloydb: {
    project_id: { 'google_alloydb_cluster.this': PROJECT },
    region: {
      'google_alloydb_cluster.this': 'location',
      'google_alloydb_instance.primary': 'cluster',
      'google_alloydb_user.iam': 'cluster',
    },
    cluster_id: {
      'google_alloydb_cluster.this': 'cluster_id',
      'google_alloydb_instance.primary': 'instance_id',
      'google_alloydb_user.iam': 'cluster',
    },
    network: { 'google_alloydb_cluster.this': 'network_config.network' },
    allocated_ip_range: { 'google_alloydb_cluster.this': 'network_config.allocated_ip_range' },
    kms_key_name: { 'google_alloydb_cluster.this': 'encryption_config.kms_key_name' },
    iam_users: { 'google_alloydb_user.iam': 'user_id' },
  },
  'app-identity': {
    project_id: { 'google_service_account.this': PROJECT },
    account_id: { 'google_service_account.this': 'account_id' },
  },
  'artifact-registry': {
    project_id: { 'google_artifact_registry_repository.this': PROJECT },
    location: { 'google_artifact_registry_repository.this': 'location' },
    repository_id: { 'google_artifact_registry_repository.this': 'repository_id' },
    format: { 'google_artifact_registry_repository.this': 'format' },
    kms_key_name: { 'google_artifact_registry_repository.this': 'kms_key_name' },
  },
  bucket: {
    project_id: { 'google_storage_bucket.this': PROJECT },
    name: { 'google_storage_bucket.this': 'name' },
    location: { 'google_storage_bucket.this': 'location' },
  },
  'cloud-run-service': {
    project_id: { 'google_cloud_run_v2_service.this': PROJECT },
    region: { 'google_cloud_run_v2_service.this': 'location' },
    name: { 'google_cloud_run_v2_service.this': 'name' },
  },
  // Display name and parent change in place: a folder moves, it is not made again.
  folder: {},
  'kms-key': {
    project_id: { 'google_kms_key_ring.this': PROJECT },
    location: { 'google_kms_key_ring.this': 'location' },
    key_ring_name: { 'google_kms_key_ring.this': 'name' },
    key_name: { 'google_kms_crypto_key.this': 'name' },
    protection_level: { 'google_kms_crypto_key.this': 'version_template.protection_level' },
  },
  'network-hub': {
    project_id: { 'google_compute_network.this': PROJECT },
    name: {
      'google_compute_network.this': 'name',
      'google_compute_route.internet': 'name',
      'google_dns_managed_zone.private_google': 'name',
      'google_compute_subnetwork.proxy_only': 'name',
      'google_compute_router.this': 'name',
      'google_compute_router_nat.this': 'name',
      'google_network_security_gateway_security_policy.this': 'name',
      'google_network_services_gateway.this': 'name',
    },
    region: {
      'google_compute_subnetwork.proxy_only': 'region',
      'google_compute_router.this': 'region',
      'google_compute_router_nat.this': 'region',
      'google_network_security_gateway_security_policy.this': 'location',
      'google_network_security_gateway_security_policy_rule.allowed_hosts': 'location',
      'google_network_services_gateway.this': 'location',
    },
    subnets: { 'google_compute_subnetwork.this': 'region' },
    swg_subnet: { 'google_network_services_gateway.this': 'subnetwork' },
    swg_ports: { 'google_network_services_gateway.this': 'ports' },
    database_range_name: {
      'google_compute_global_address.database': 'name',
      'google_service_networking_connection.database': 'reserved_peering_ranges',
    },
    database_range_prefix_length: { 'google_compute_global_address.database': 'prefix_length' },
  },
  project: {
    project_id: { 'google_project.this': 'project_id' },
    shared_vpc_host_project_id: {
      'google_compute_shared_vpc_service_project.this': 'host_project',
    },
  },
  'project-firewall': {
    project_id: { 'google_compute_firewall.allow': PROJECT },
    network: { 'google_compute_firewall.allow': 'network' },
    name_prefix: { 'google_compute_firewall.allow': 'name' },
    allow_rules: { 'google_compute_firewall.allow': 'direction' },
  },
  'public-ingress': {
    project_id: { 'google_compute_global_address.this': PROJECT },
    name: {
      'google_compute_global_address.this': 'name',
      'google_compute_global_forwarding_rule.https': 'name',
      'google_compute_url_map.https': 'name',
    },
    backends: {
      'google_compute_region_network_endpoint_group.this': 'region',
    },
    hosts: { 'google_compute_managed_ssl_certificate.this': 'managed.domains' },
  },
  'pubsub-topic': {
    project_id: { 'google_pubsub_topic.this': PROJECT },
    name: {
      'google_pubsub_topic.this': 'name',
      'google_pubsub_topic.dead_letter': 'name',
      'google_pubsub_subscription.dead_letter': 'name',
    },
  },
  secret: {
    project_id: { 'google_secret_manager_secret.this': PROJECT },
    secret_id: { 'google_secret_manager_secret.this': 'secret_id' },
    replica_locations: { 'google_secret_manager_secret.this': 'replication' },
    kms_key_name: { 'google_secret_manager_secret.this': 'replication' },
    replica_kms_key_names: { 'google_secret_manager_secret.this': 'replication' },
  },
};
