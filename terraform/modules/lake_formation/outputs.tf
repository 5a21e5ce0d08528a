output "role_arns" {
  description = "reader/writer/admin → IAM role ARN."
  value       = { for name, role in aws_iam_role.role : name => role.arn }
}

output "reader_role_arn" {
  description = "Reader role: public and internal columns through Athena."
  value       = aws_iam_role.role["reader"].arn
}

output "writer_role_arn" {
  description = "Writer role: every column, SELECT/INSERT/DELETE."
  value       = aws_iam_role.role["writer"].arn
}

output "admin_role_arn" {
  description = "Admin role: everything plus ALTER/DROP and tag assignment (runs icespec apply)."
  value       = aws_iam_role.role["admin"].arn
}

output "lf_tags" {
  description = "LF tag key → allowed values."
  value = {
    (aws_lakeformation_lf_tag.access_level.key) = aws_lakeformation_lf_tag.access_level.values
    (aws_lakeformation_lf_tag.pii.key)          = aws_lakeformation_lf_tag.pii.values
  }
}

output "grants" {
  description = "Tag-expression grants: name → {role, resource_type, permissions, expression}."
  value       = local.grants
}

output "data_access_role_arn" {
  description = "Role Lake Formation assumes to read and write the registered warehouse location."
  value       = aws_iam_role.lake_access.arn
}
