# Development: Glue path, cheap and destroyable.
name          = "icespec"
environment   = "dev"
region        = "eu-west-1"
catalog_type  = "glue"
force_destroy = true

# Everyone who runs terraform or administers Lake Formation in this account (the list replaces it).
lakeformation_admin_arns = ["arn:aws:iam::123456789012:role/platform"]

athena_bytes_scanned_cutoff        = 1073741824 # 1 GiB
athena_results_expiration_days     = 7
noncurrent_version_expiration_days = 7
log_retention_days                 = 30
