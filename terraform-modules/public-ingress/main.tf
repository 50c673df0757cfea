locals {
  hosts = { for index, host in var.hosts : "host-${index}" => host }

  domains = [for host in var.hosts : host.host]

  # A new certificate name whenever the domains change, so it can be created before the old one goes.
  certificate_suffix = substr(sha256(join(",", sort(local.domains))), 0, 8)
}

resource "google_compute_global_address" "this" {
  project      = var.project_id
  name         = "${var.name}-address"
  ip_version   = "IPV4"
  address_type = "EXTERNAL"
}

resource "google_compute_managed_ssl_certificate" "this" {
  project = var.project_id
  name    = "${var.name}-cert-${local.certificate_suffix}"

  managed {
    domains = local.domains
  }

  lifecycle {
    create_before_destroy = true
  }
}

# TLS 1.2 or later with the RESTRICTED cipher profile only.
resource "google_compute_ssl_policy" "this" {
  project         = var.project_id
  name            = "${var.name}-tls"
  min_tls_version = "TLS_1_2"
  profile         = "RESTRICTED"
}

# Cloud Armor in front of every backend: preconfigured WAF rules deny, everything else is allowed.
resource "google_compute_security_policy" "this" {
  project     = var.project_id
  name        = "${var.name}-armor"
  description = "WAF policy of ${var.name}."
  type        = "CLOUD_ARMOR"

  adaptive_protection_config {
    layer_7_ddos_defense_config {
      enable = true
    }
  }

  advanced_options_config {
    json_parsing = "STANDARD"
    log_level    = "VERBOSE"
  }

  rule {
    action      = "deny(403)"
    priority    = 1000
    preview     = false
    description = "Log4Shell (CVE-2021-44228) and related JNDI lookups."

    match {
      expr {
        expression = "evaluatePreconfiguredWaf('cve-canary')"
      }
    }
  }

  rule {
    action      = "deny(403)"
    priority    = 1001
    preview     = false
    description = "SQL injection."

    match {
      expr {
        expression = "evaluatePreconfiguredWaf('sqli-v33-stable', {'sensitivity': 1})"
      }
    }
  }

  rule {
    action      = "deny(403)"
    priority    = 1002
    preview     = false
    description = "Cross-site scripting."

    match {
      expr {
        expression = "evaluatePreconfiguredWaf('xss-v33-stable', {'sensitivity': 1})"
      }
    }
  }

  rule {
    action      = "deny(403)"
    priority    = 1003
    preview     = false
    description = "Local file inclusion."

    match {
      expr {
        expression = "evaluatePreconfiguredWaf('lfi-v33-stable', {'sensitivity': 1})"
      }
    }
  }

  rule {
    action      = "deny(403)"
    priority    = 1004
    preview     = false
    description = "Remote file inclusion."

    match {
      expr {
        expression = "evaluatePreconfiguredWaf('rfi-v33-stable', {'sensitivity': 1})"
      }
    }
  }

  rule {
    action      = "deny(403)"
    priority    = 1005
    preview     = false
    description = "Remote code execution."

    match {
      expr {
        expression = "evaluatePreconfiguredWaf('rce-v33-stable', {'sensitivity': 1})"
      }
    }
  }

  rule {
    action      = "deny(403)"
    priority    = 1006
    preview     = false
    description = "Protocol attacks (request smuggling, header injection)."

    match {
      expr {
        expression = "evaluatePreconfiguredWaf('protocolattack-v33-stable', {'sensitivity': 1})"
      }
    }
  }

  rule {
    action      = "deny(403)"
    priority    = 1007
    preview     = false
    description = "Known scanners."

    match {
      expr {
        expression = "evaluatePreconfiguredWaf('scannerdetection-v33-stable', {'sensitivity': 1})"
      }
    }
  }

  rule {
    action      = "allow"
    priority    = 2147483647
    description = "Default rule: allow what no rule above denied."

    match {
      versioned_expr = "SRC_IPS_V1"

      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}

resource "google_compute_region_network_endpoint_group" "this" {
  for_each = var.backends

  project               = var.project_id
  name                  = "${var.name}-${each.key}-neg"
  region                = each.value.region
  network_endpoint_type = "SERVERLESS"

  cloud_run {
    service = each.value.cloud_run_service
  }
}

resource "google_compute_backend_service" "this" {
  for_each = var.backends

  project               = var.project_id
  name                  = "${var.name}-${each.key}"
  description           = "${each.key} (${each.value.audience})"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = google_compute_security_policy.this.self_link

  backend {
    group = google_compute_region_network_endpoint_group.this[each.key].id
  }

  log_config {
    enable      = true
    sample_rate = 1.0
  }

  # INTERNAL backends are behind Identity-Aware Proxy: only iap_members get through.
  dynamic "iap" {
    for_each = each.value.audience == "INTERNAL" ? [true] : []

    content {
      enabled = true
    }
  }
}

# What no route rule matches, on a known host or an unknown one, ends here: a backend with
# nothing behind it, and a route action that answers 404 before it is even tried.
resource "google_compute_backend_service" "unmatched" {
  project               = var.project_id
  name                  = "${var.name}-unmatched"
  description           = "Requests no route matches: answered 404, never forwarded."
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = google_compute_security_policy.this.self_link

  log_config {
    enable      = true
    sample_rate = 1.0
  }
}

resource "google_compute_url_map" "https" {
  project = var.project_id
  name    = "${var.name}-https"

  default_route_action {
    weighted_backend_services {
      backend_service = google_compute_backend_service.unmatched.id
      weight          = 100
    }

    fault_injection_policy {
      abort {
        http_status = 404
        percentage  = 100
      }
    }
  }

  dynamic "host_rule" {
    for_each = local.hosts

    content {
      hosts        = [host_rule.value.host]
      path_matcher = host_rule.key
    }
  }

  dynamic "path_matcher" {
    for_each = local.hosts

    content {
      name = path_matcher.key

      default_route_action {
        weighted_backend_services {
          backend_service = google_compute_backend_service.unmatched.id
          weight          = 100
        }

        fault_injection_policy {
          abort {
            http_status = 404
            percentage  = 100
          }
        }
      }

      # Route rules, not path rules: path rules read "*" as a wildcard and know no regex.
      dynamic "route_rules" {
        for_each = path_matcher.value.rules

        content {
          priority = route_rules.value.priority
          service  = length(route_rules.value.destinations) == 1 ? google_compute_backend_service.this[route_rules.value.destinations[0].backend].id : null

          match_rules {
            full_path_match = route_rules.value.match.full_path
            prefix_match    = route_rules.value.match.prefix
            regex_match     = route_rules.value.match.regex
          }

          dynamic "route_action" {
            for_each = length(route_rules.value.destinations) > 1 ? [true] : []

            content {
              dynamic "weighted_backend_services" {
                for_each = route_rules.value.destinations

                content {
                  backend_service = google_compute_backend_service.this[weighted_backend_services.value.backend].id
                  weight          = weighted_backend_services.value.weight
                }
              }
            }
          }
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = alltrue(flatten([for host in var.hosts : [for rule in host.rules : [for destination in rule.destinations : contains(keys(var.backends), destination.backend)]]]))
      error_message = "Every backend a rule sends traffic to must be a key of var.backends."
    }
  }
}

resource "google_compute_target_https_proxy" "this" {
  project          = var.project_id
  name             = "${var.name}-https"
  url_map          = google_compute_url_map.https.id
  ssl_certificates = [google_compute_managed_ssl_certificate.this.id]
  ssl_policy       = google_compute_ssl_policy.this.self_link
}

resource "google_compute_global_forwarding_rule" "https" {
  project               = var.project_id
  name                  = "${var.name}-https"
  target                = google_compute_target_https_proxy.this.id
  ip_address            = google_compute_global_address.this.address
  ip_protocol           = "TCP"
  port_range            = "443"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

# Port 80 only ever answers with a redirect to HTTPS.
resource "google_compute_url_map" "http_redirect" {
  project = var.project_id
  name    = "${var.name}-http-redirect"

  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  project = var.project_id
  name    = "${var.name}-http-redirect"
  url_map = google_compute_url_map.http_redirect.id
}

resource "google_compute_global_forwarding_rule" "http_redirect" {
  project               = var.project_id
  name                  = "${var.name}-http-redirect"
  target                = google_compute_target_http_proxy.redirect.id
  ip_address            = google_compute_global_address.this.address
  ip_protocol           = "TCP"
  port_range            = "80"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

# Additive, member-level IAP grants: each INTERNAL backend admits exactly the members keyed with it.
resource "google_iap_web_backend_service_iam_member" "accessor" {
  for_each = var.iap_members

  project             = var.project_id
  web_backend_service = google_compute_backend_service.this[split(" ", each.key)[0]].name
  role                = "roles/iap.httpsResourceAccessor"
  member              = each.value

  lifecycle {
    precondition {
      condition     = try(var.backends[split(" ", each.key)[0]].audience, "") == "INTERNAL"
      error_message = "Each key of iap_members starts with the key of an INTERNAL backend: a PUBLIC backend admits everyone, and IAP guards only INTERNAL ones."
    }
  }
}
