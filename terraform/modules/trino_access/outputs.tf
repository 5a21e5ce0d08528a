output "rules" {
  description = "Trino file-based access-control rules (object)."
  value       = local.rules
}

output "rules_json" {
  description = "The rules as JSON, ready for Trino's access-control.properties `security.config-file`."
  value       = jsonencode(local.rules)
}

output "reader_visible_columns" {
  description = "Table stem → top-level columns the reader may select (public or internal)."
  value       = local.reader_visible
}

output "reader_hidden_columns" {
  description = "Table stem → top-level columns denied to the reader (effective access_level restricted)."
  value       = local.reader_hidden
}
