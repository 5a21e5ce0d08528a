# Production: Glue path, nothing destroyable by accident, long retention.
name          = "icespec"
environment   = "prod"
region        = "eu-west-1"
catalog_type  = "glue"
force_destroy = false

role_principals = {
  reader = ["arn:aws:iam::123456789012:role/analysts"]
  writer = ["arn:aws:iam::123456789012:role/pipelines"]
  admin  = ["arn:aws:iam::123456789012:role/platform"]
}
lakeformation_admin_arns = ["arn:aws:iam::123456789012:role/platform"]
reader_can_read_pii      = false

athena_bytes_scanned_cutoff        = 107374182400 # 100 GiB
athena_results_expiration_days     = 30
noncurrent_version_expiration_days = 90
log_retention_days                 = 365
alert_emails                       = ["data-platform-oncall@example.com"]
