output "workgroup_names" {
  description = "Role → its Athena workgroup name."
  value       = { for role, wg in aws_athena_workgroup.role : role => wg.name }
}

output "workgroup_arns" {
  description = "Role → its Athena workgroup ARN."
  value       = { for role, wg in aws_athena_workgroup.role : role => wg.arn }
}

output "results_s3_uris" {
  description = "Role → where its query results land (enforced by its workgroup)."
  value       = { for role in var.roles : role => "s3://${aws_s3_bucket.results.bucket}/${role}/" }
}

output "results_bucket_arn" {
  description = "Query results bucket ARN."
  value       = aws_s3_bucket.results.arn
}

output "results_kms_key_arn" {
  description = "Key encrypting the query results (not the lake key)."
  value       = aws_kms_key.results.arn
}
