output "bucket_name" {
  description = "Lake bucket name."
  value       = aws_s3_bucket.lake.bucket
}

output "bucket_arn" {
  description = "Lake bucket ARN."
  value       = aws_s3_bucket.lake.arn
}

output "warehouse_prefix" {
  description = "Key prefix of the Iceberg warehouse inside the bucket."
  value       = var.warehouse_prefix
}

output "warehouse_uri" {
  description = "Iceberg warehouse location (s3://BUCKET/PREFIX)."
  value       = "s3://${aws_s3_bucket.lake.bucket}/${var.warehouse_prefix}"
}

output "kms_key_arn" {
  description = "ARN of the customer-managed key encrypting the lake (also used for logs, topics and query results)."
  value       = aws_kms_key.lake.arn
}

output "log_bucket_name" {
  description = "Access-log bucket name (ready: its delivery policy is in place), or null when access logging is off."
  value       = var.access_logging_enabled ? aws_s3_bucket_policy.logs[0].bucket : null
}
