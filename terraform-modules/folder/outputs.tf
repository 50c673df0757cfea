output "name" {
  description = "Resource name of the folder, as folders/<id>."
  value       = google_folder.this.name
}

output "folder_id" {
  description = "Numeric ID of the folder."
  value       = google_folder.this.folder_id
}
