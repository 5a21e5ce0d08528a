output "workgroup_name" {
  description = "Athena workgroup name."
  value       = aws_athena_workgroup.this.name
}

output "workgroup_arn" {
  description = "Athena workgroup ARN."
  value       = aws_athena_workgroup.this.arn
}

output "results_s3_uri" {
  description = "Where query results land (enforced by the workgroup)."
  value       = "s3://${aws_s3_bucket.results.bucket}/results/"
}

output "results_bucket_arn" {
  description = "Query results bucket ARN."
  value       = aws_s3_bucket.results.arn
}
