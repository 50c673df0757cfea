resource "google_folder" "this" {
  display_name = var.display_name
  parent       = var.parent

  # Terraform refuses to destroy or replace the folder.
  deletion_protection = true
}

# Additive, member-level grants: nothing outside this module's grants is removed.
resource "google_folder_iam_member" "this" {
  for_each = var.iam

  folder = google_folder.this.name
  role   = each.value.role
  member = each.value.member
}
