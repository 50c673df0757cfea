output "topic_id" {
  description = "ID of the topic."
  value       = google_pubsub_topic.this.id
}

output "topic_name" {
  description = "Name of the topic."
  value       = google_pubsub_topic.this.name
}

output "dead_letter_topic_id" {
  description = "ID of the dead-letter topic."
  value       = google_pubsub_topic.dead_letter.id
}

output "subscription_ids" {
  description = "IDs of the push subscriptions, by name."
  value       = { for name, sub in google_pubsub_subscription.push : name => sub.id }
}
