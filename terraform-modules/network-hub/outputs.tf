output "network_id" {
  description = "ID of the hub network."
  value       = google_compute_network.this.id
}

output "network_self_link" {
  description = "Self link of the hub network."
  value       = google_compute_network.this.self_link
}

output "subnet_ids" {
  description = "IDs of the workload subnets, by name."
  value       = { for name, subnet in google_compute_subnetwork.this : name => subnet.id }
}

output "subnet_self_links" {
  description = "Self links of the workload subnets, by name."
  value       = { for name, subnet in google_compute_subnetwork.this : name => subnet.self_link }
}

output "secure_web_proxy_id" {
  description = "ID of the Secure Web Proxy gateway."
  value       = google_network_services_gateway.this.id
}

output "secure_web_proxy_policy_id" {
  description = "ID of the Secure Web Proxy's gateway security policy."
  value       = google_network_security_gateway_security_policy.this.id
}

output "secure_web_proxy_policy_name" {
  description = "Name of the gateway security policy, which a policy rule's gateway_security_policy takes."
  value       = google_network_security_gateway_security_policy.this.name
}

output "database_range_name" {
  description = "Name of the databases' private services access range, once peered."
  value       = google_service_networking_connection.database.reserved_peering_ranges[0]
}
