locals {
  # Private Google Access VIPs, routed explicitly so that they never depend on the default route.
  google_api_ranges = {
    private-googleapis    = "199.36.153.8/30"
    restricted-googleapis = "199.36.153.4/30"
  }

  # Domains the workloads reach over Private Google Access, resolved in the hub network: the
  # Google APIs, and run.app for calls between Cloud Run services (their egress is ALL_TRAFFIC,
  # so those calls cross the VPC).
  private_google_zones = {
    googleapis = "googleapis.com."
    run-app    = "run.app."
  }

  # googleapis.com names both VIPs (their four addresses each) and sends every other name to the
  # private one; run.app resolves to the private VIP at the apex and below it.
  private_google_records = {
    googleapis-private    = { zone = "googleapis", name = "private.googleapis.com.", type = "A", rrdatas = ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"] }
    googleapis-restricted = { zone = "googleapis", name = "restricted.googleapis.com.", type = "A", rrdatas = ["199.36.153.4", "199.36.153.5", "199.36.153.6", "199.36.153.7"] }
    googleapis-all        = { zone = "googleapis", name = "*.googleapis.com.", type = "CNAME", rrdatas = ["private.googleapis.com."] }
    run-app               = { zone = "run-app", name = "run.app.", type = "A", rrdatas = ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"] }
    run-app-all           = { zone = "run-app", name = "*.run.app.", type = "CNAME", rrdatas = ["run.app."] }
  }

  # CEL session matcher of the single allow rule: exact host names only.
  swg_session_matcher = join(" || ", [for host in var.allowed_hosts : "host() == '${host}'"])
}

resource "google_compute_network" "this" {
  project      = var.project_id
  name         = var.name
  routing_mode = "GLOBAL"

  # Custom mode, and no unnamed default route: google_compute_route.internet is the one there is.
  auto_create_subnetworks         = false
  delete_default_routes_on_create = true
}

resource "google_compute_route" "google_apis" {
  for_each = local.google_api_ranges

  project          = var.project_id
  name             = "${var.name}-${each.key}"
  description      = "Private Google Access to ${each.key}.googleapis.com."
  network          = google_compute_network.this.id
  dest_range       = each.value
  next_hop_gateway = "default-internet-gateway"
  priority         = 1000
}

# The one route to the internet, replacing the default route the network was created without so
# that it is named and kept in the configuration: Cloud NAT (the hub's, and the one the Secure
# Web Proxy provisions for itself) translates only packets whose next hop is the internet
# gateway. What may use it is the firewall's to say: the hub and every project deny all egress,
# and projects allow only the proxy, the Google API ranges and declared ranges (never 0.0.0.0/0).
resource "google_compute_route" "internet" {
  project          = var.project_id
  name             = "${var.name}-internet"
  description      = "Egress to the internet through Cloud NAT; the firewall allows only the proxy and declared ranges."
  network          = google_compute_network.this.id
  dest_range       = "0.0.0.0/0"
  next_hop_gateway = "default-internet-gateway"
  priority         = 1000
}

# Private Google Access needs the API names to resolve to the VIPs routed above: private zones
# visible to the hub network, and so to every service project that uses it.
resource "google_dns_managed_zone" "private_google" {
  for_each = local.private_google_zones

  project     = var.project_id
  name        = "${var.name}-${each.key}"
  dns_name    = each.value
  description = "Private Google Access: ${each.value} resolves to private.googleapis.com in ${var.name}."
  visibility  = "private"

  private_visibility_config {
    networks {
      network_url = google_compute_network.this.id
    }
  }
}

resource "google_dns_record_set" "private_google" {
  for_each = local.private_google_records

  project      = var.project_id
  managed_zone = google_dns_managed_zone.private_google[each.value.zone].name
  name         = each.value.name
  type         = each.value.type
  ttl          = 300
  rrdatas      = each.value.rrdatas
}

# The range private services (AlloyDB) take their addresses from, peered into the hub network
# once; the workspaces' clusters name it as their allocated_ip_range.
resource "google_compute_global_address" "database" {
  project       = var.project_id
  name          = var.database_range_name
  description   = "Private services access of ${var.name}: the databases' addresses."
  network       = google_compute_network.this.id
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = var.database_range_prefix_length
}

resource "google_service_networking_connection" "database" {
  network                 = google_compute_network.this.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.database.name]
  # Removing the peering while a cluster still uses it fails; leave it to be removed by hand.
  deletion_policy = "ABANDON"
}

resource "google_compute_subnetwork" "this" {
  for_each = var.subnets

  project       = var.project_id
  name          = each.key
  region        = coalesce(each.value.region, var.region)
  network       = google_compute_network.this.id
  ip_cidr_range = each.value.ip_cidr_range
  stack_type    = "IPV4_ONLY"

  private_ip_google_access = true

  dynamic "secondary_ip_range" {
    for_each = each.value.secondary_ip_ranges

    content {
      range_name    = secondary_ip_range.key
      ip_cidr_range = secondary_ip_range.value
    }
  }

  log_config {
    aggregation_interval = "INTERVAL_5_SEC"
    flow_sampling        = 1.0
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

# Proxy-only subnet for the Secure Web Proxy (flow logs and Private Google Access do not apply to it).
resource "google_compute_subnetwork" "proxy_only" {
  project       = var.project_id
  name          = "${var.name}-proxy-only"
  region        = var.region
  network       = google_compute_network.this.id
  ip_cidr_range = var.proxy_only_cidr
  purpose       = "REGIONAL_MANAGED_PROXY"
  role          = "ACTIVE"
}

# The network never runs without a firewall: deny everything, log everything.
# Service projects open what they need with the project-firewall module.
resource "google_compute_firewall" "deny_all_ingress" {
  project       = var.project_id
  name          = "${var.name}-deny-all-ingress"
  description   = "Baseline: deny all ingress."
  network       = google_compute_network.this.id
  direction     = "INGRESS"
  priority      = 65535
  source_ranges = ["0.0.0.0/0"]

  deny {
    protocol = "all"
  }

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}

resource "google_compute_firewall" "deny_all_egress" {
  project            = var.project_id
  name               = "${var.name}-deny-all-egress"
  description        = "Baseline: deny all egress."
  network            = google_compute_network.this.id
  direction          = "EGRESS"
  priority           = 65535
  destination_ranges = ["0.0.0.0/0"]

  deny {
    protocol = "all"
  }

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}

resource "google_compute_shared_vpc_host_project" "this" {
  project = var.project_id
}

resource "google_compute_router" "this" {
  project = var.project_id
  name    = "${var.name}-router"
  region  = var.region
  network = google_compute_network.this.id
}

resource "google_compute_router_nat" "this" {
  project = var.project_id
  name    = "${var.name}-nat"
  router  = google_compute_router.this.name
  region  = var.region

  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"

  log_config {
    enable = true
    filter = "ALL"
  }
}

resource "google_network_security_gateway_security_policy" "this" {
  project     = var.project_id
  name        = "${var.name}-swg-policy"
  location    = var.region
  description = "Egress allow-list of ${var.name}; anything not allowed is denied."
}

# The only rule. With no allowed host it does not exist, and the proxy denies everything.
resource "google_network_security_gateway_security_policy_rule" "allowed_hosts" {
  count = length(var.allowed_hosts) > 0 ? 1 : 0

  project                 = var.project_id
  name                    = "allow-listed-hosts"
  location                = var.region
  gateway_security_policy = google_network_security_gateway_security_policy.this.name
  description             = "Allow the listed hosts only."
  enabled                 = true
  priority                = 1000
  session_matcher         = local.swg_session_matcher
  basic_profile           = "ALLOW"
  tls_inspection_enabled  = false
}

resource "google_network_services_gateway" "this" {
  project                 = var.project_id
  name                    = "${var.name}-swg"
  location                = var.region
  type                    = "SECURE_WEB_GATEWAY"
  ports                   = var.swg_ports
  network                 = google_compute_network.this.id
  subnetwork              = google_compute_subnetwork.this[var.swg_subnet].id
  gateway_security_policy = google_network_security_gateway_security_policy.this.id
  certificate_urls        = var.swg_certificate_urls

  delete_swg_autogen_router_on_destroy = true

  depends_on = [google_compute_subnetwork.proxy_only]

  lifecycle {
    precondition {
      condition     = contains(keys(var.subnets), var.swg_subnet)
      error_message = "swg_subnet must be a key of var.subnets."
    }

    # The proxy takes its address from a subnet of its own region.
    precondition {
      condition     = try(coalesce(var.subnets[var.swg_subnet].region, var.region), "") == var.region
      error_message = "swg_subnet must be a subnet in var.region."
    }

    # A gateway presents only certificates of its own region.
    precondition {
      condition     = alltrue([for url in var.swg_certificate_urls : split("/", url)[3] == var.region])
      error_message = "swg_certificate_urls must be certificates in var.region, where the proxy is."
    }
  }
}
