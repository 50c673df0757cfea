locals {
  # Private Google Access VIPs, reachable although the default route is deleted.
  google_api_ranges = {
    private-googleapis    = "199.36.153.8/30"
    restricted-googleapis = "199.36.153.4/30"
  }

  # CEL session matcher of the single allow rule: exact host names only.
  swg_session_matcher = join(" || ", [for host in var.allowed_hosts : "host() == '${host}'"])
}

resource "google_compute_network" "this" {
  project      = var.project_id
  name         = var.name
  routing_mode = "GLOBAL"

  # Custom mode, and no default route to the internet.
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
  }
}
