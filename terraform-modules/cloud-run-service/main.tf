resource "google_cloud_run_v2_service" "this" {
  project      = var.project_id
  name         = var.name
  location     = var.region
  labels       = var.labels
  launch_stage = "GA"

  # Reachable only through an internal or external Application Load Balancer (Cloud Armor, IAP),
  # never on its run.app URL from the internet.
  ingress = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"

  # A load balancer's serverless network endpoint group calls the service without an identity,
  # so a route open to anyone can only work without the invoker check. allUsers is never an
  # invoker: the ingress above still keeps every caller but the load balancer and the VPC out.
  invoker_iam_disabled = var.public_through_load_balancer

  # Terraform refuses to destroy or replace the service.
  deletion_protection = true

  # Only images admitted by the project's Binary Authorization policy are deployed.
  binary_authorization {
    use_default = true
  }

  template {
    service_account       = var.service_account_email
    execution_environment = "EXECUTION_ENVIRONMENT_GEN2"

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    # Direct VPC egress for all traffic: outbound calls obey the VPC's firewall and proxy.
    vpc_access {
      egress = "ALL_TRAFFIC"

      network_interfaces {
        network    = var.network
        subnetwork = var.subnetwork
      }
    }

    containers {
      image = var.image
      # Empty keeps the image's entrypoint and arguments.
      command = length(var.command) > 0 ? var.command : null
      args    = length(var.args) > 0 ? var.args : null

      ports {
        name           = var.container_port_name
        container_port = var.container_port
      }

      dynamic "startup_probe" {
        for_each = var.startup_probe == null ? [] : [var.startup_probe]

        content {
          initial_delay_seconds = startup_probe.value.initial_delay_seconds
          period_seconds        = startup_probe.value.period_seconds
          timeout_seconds       = startup_probe.value.timeout_seconds
          failure_threshold     = startup_probe.value.failure_threshold

          dynamic "http_get" {
            for_each = startup_probe.value.type == "http" ? [startup_probe.value.path] : []

            content {
              path = http_get.value
              port = var.container_port
            }
          }

          dynamic "grpc" {
            for_each = startup_probe.value.type == "grpc" ? [1] : []

            content {
              port = var.container_port
            }
          }

          dynamic "tcp_socket" {
            for_each = startup_probe.value.type == "tcp" ? [1] : []

            content {
              port = var.container_port
            }
          }
        }
      }

      dynamic "liveness_probe" {
        for_each = var.liveness_probe == null ? [] : [var.liveness_probe]

        content {
          initial_delay_seconds = liveness_probe.value.initial_delay_seconds
          period_seconds        = liveness_probe.value.period_seconds
          timeout_seconds       = liveness_probe.value.timeout_seconds
          failure_threshold     = liveness_probe.value.failure_threshold

          dynamic "http_get" {
            for_each = liveness_probe.value.type == "http" ? [liveness_probe.value.path] : []

            content {
              path = http_get.value
              port = var.container_port
            }
          }

          dynamic "grpc" {
            for_each = liveness_probe.value.type == "grpc" ? [1] : []

            content {
              port = var.container_port
            }
          }

          dynamic "tcp_socket" {
            for_each = liveness_probe.value.type == "tcp" ? [1] : []

            content {
              port = var.container_port
            }
          }
        }
      }

      resources {
        limits = {
          cpu    = var.cpu
          memory = var.memory
        }
      }

      dynamic "env" {
        for_each = var.env

        content {
          name  = env.key
          value = env.value
        }
      }

      # Secrets are referenced, never copied into the configuration or the state.
      dynamic "env" {
        for_each = var.secret_env

        content {
          name = env.key

          value_source {
            secret_key_ref {
              secret  = env.value
              version = "latest"
            }
          }
        }
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  lifecycle {
    precondition {
      condition     = length(setintersection(keys(var.env), keys(var.secret_env))) == 0
      error_message = "A variable cannot be in both env and secret_env."
    }

    precondition {
      condition     = var.min_instances <= var.max_instances
      error_message = "min_instances must not exceed max_instances."
    }
  }
}

# Additive, member-level invoker grants.
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = var.invoker_members

  project  = google_cloud_run_v2_service.this.project
  location = google_cloud_run_v2_service.this.location
  name     = google_cloud_run_v2_service.this.name
  role     = "roles/run.invoker"
  member   = each.value
}
