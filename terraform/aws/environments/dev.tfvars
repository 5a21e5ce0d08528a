# Development: Glue path, cheap and destroyable.
name          = "icespec"
environment   = "dev"
region        = "eu-west-1"
catalog_type  = "glue"
force_destroy = true

athena_bytes_scanned_cutoff        = 1073741824 # 1 GiB
athena_results_expiration_days     = 7
noncurrent_version_expiration_days = 7
log_retention_days                 = 30
