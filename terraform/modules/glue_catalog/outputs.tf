output "database_names" {
  description = "Glue database names (sorted), one per namespace."
  value       = sort([for db in aws_glue_catalog_database.namespace : db.name])
}

output "database_arns" {
  description = "Namespace → Glue database ARN."
  value       = { for ns, db in aws_glue_catalog_database.namespace : ns => db.arn }
}

output "catalog_id" {
  description = "Glue Data Catalog id (the account id)."
  value       = one(distinct([for db in aws_glue_catalog_database.namespace : db.catalog_id]))
}

output "lakeformation_admins" {
  description = "Lake Formation administrators set on the account."
  value       = aws_lakeformation_data_lake_settings.this.admins
}

output "default_database_name" {
  description = "Athena's default database (created here unless create_default_database is false)."
  value       = var.create_default_database ? aws_glue_catalog_database.default[0].name : "default"
}
