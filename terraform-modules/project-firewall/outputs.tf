output "deny_all_rule_names" {
  description = "Names of the four deny-all baseline rules."
  value = [
    google_compute_firewall.deny_all_ingress.name,
    google_compute_firewall.deny_all_ingress_ipv6.name,
    google_compute_firewall.deny_all_egress.name,
    google_compute_firewall.deny_all_egress_ipv6.name,
  ]
}

output "allow_rule_names" {
  description = "Names of the allow rules, by rule name."
  value       = { for name, rule in google_compute_firewall.allow : name => rule.name }
}
