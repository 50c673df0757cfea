output "cluster_name" {
  description = "Resource name of the cluster."
  value       = google_alloydb_cluster.this.name
}

output "primary_instance_name" {
  description = "Resource name of the primary instance (for the AlloyDB Auth Proxy and connectors)."
  value       = google_alloydb_instance.primary.name
}

output "primary_ip_address" {
  description = "Private IP address of the primary instance."
  value       = google_alloydb_instance.primary.ip_address
}

output "iam_user_ids" {
  description = "Database user names of the IAM users."
  value       = sort([for user in google_alloydb_user.iam : user.user_id])
}
