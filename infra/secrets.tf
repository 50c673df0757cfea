# Their values are added out of band (see README), so no secret value is ever in this configuration,
# a plan or the state. Each is readable by the functions that mount it, no other.
locals {
  secrets = {
    # Comma-separated, so that a rotation lists the new and the old secret side by side.
    webhook = { secret_id = "infrastream-webhook-secrets", variable = "INFRASTREAM_WEBHOOK_SECRETS" }
    github  = { secret_id = "infrastream-github-private-key", variable = "INFRASTREAM_GITHUB_PRIVATE_KEY" }
  }
}

module "secret" {
  source   = "../terraform-modules/secret"
  for_each = local.secrets

  project_id        = var.project
  secret_id         = each.value.secret_id
  replica_locations = [var.region]
  labels            = var.labels

  accessor_members = {
    for name, stage in local.stages : name => module.identity[name].member if contains(stage.secrets, each.key)
  }
}

# The functions mount the latest version, which must exist before they can be created: a
# placeholder that no function accepts (shared/core/configuration/settings.ts refuses it by name)
# until the operator adds the real value as a newer version (docs/deploy.md).
resource "google_secret_manager_secret_version" "placeholder" {
  for_each = local.secrets

  secret      = module.secret[each.key].id
  secret_data = "INFRASTREAM_PLACEHOLDER: add the real value as a new version (docs/deploy.md)"

  # Once replaced, the placeholder is history: never destroyed or rewritten by a later apply.
  deletion_policy = "ABANDON"

  lifecycle {
    ignore_changes = [secret_data, enabled]
  }
}
