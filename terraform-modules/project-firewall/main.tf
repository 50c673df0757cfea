locals {
  allow_rules = { for rule in var.allow_rules : rule.name => rule }
}

# Baseline: everything is denied and logged. Allow rules (priority < 65535) open exact paths.
resource "google_compute_firewall" "deny_all_ingress" {
  project       = var.project_id
  name          = "${var.name_prefix}-deny-all-ingress"
  description   = "Baseline: deny all IPv4 ingress."
  network       = var.network
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

resource "google_compute_firewall" "deny_all_ingress_ipv6" {
  project       = var.project_id
  name          = "${var.name_prefix}-deny-all-ingress-ipv6"
  description   = "Baseline: deny all IPv6 ingress."
  network       = var.network
  direction     = "INGRESS"
  priority      = 65535
  source_ranges = ["::/0"]

  deny {
    protocol = "all"
  }

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}

resource "google_compute_firewall" "deny_all_egress" {
  project            = var.project_id
  name               = "${var.name_prefix}-deny-all-egress"
  description        = "Baseline: deny all IPv4 egress."
  network            = var.network
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

resource "google_compute_firewall" "deny_all_egress_ipv6" {
  project            = var.project_id
  name               = "${var.name_prefix}-deny-all-egress-ipv6"
  description        = "Baseline: deny all IPv6 egress."
  network            = var.network
  direction          = "EGRESS"
  priority           = 65535
  destination_ranges = ["::/0"]

  deny {
    protocol = "all"
  }

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}

resource "google_compute_firewall" "allow" {
  for_each = local.allow_rules

  project     = var.project_id
  name        = "${var.name_prefix}-${each.key}"
  description = each.value.description
  network     = var.network
  direction   = each.value.direction
  priority    = each.value.priority

  source_ranges           = each.value.direction == "INGRESS" && length(each.value.ranges) > 0 ? each.value.ranges : null
  destination_ranges      = each.value.direction == "EGRESS" ? each.value.ranges : null
  source_service_accounts = length(each.value.source_service_accounts) > 0 ? each.value.source_service_accounts : null
  target_service_accounts = each.value.target_service_accounts

  allow {
    protocol = each.value.protocol
    ports    = length(each.value.ports) > 0 ? each.value.ports : null
  }

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }

  # Google Cloud reads an ingress rule without any source as one from 0.0.0.0/0, and an egress rule
  # without destinations as one to 0.0.0.0/0. The variable's validation refuses both; the rule
  # refuses them itself too, so that no edit of the validation can open one.
  lifecycle {
    precondition {
      condition     = each.value.direction == "INGRESS" ? length(each.value.ranges) + length(each.value.source_service_accounts) > 0 : length(each.value.ranges) > 0
      error_message = "An INGRESS allow rule needs ranges or source_service_accounts, and an EGRESS allow rule needs ranges: without them Google Cloud reads the rule as open to 0.0.0.0/0."
    }
  }
}
