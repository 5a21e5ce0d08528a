# Glue quickstart: Glue Data Catalog + Lake Formation tag-based column access + Athena.
# terraform apply -var-file=examples/glue-quickstart.tfvars
name          = "icespec"
environment   = "demo"
region        = "eu-west-1"
catalog_type  = "glue"
force_destroy = true # a throwaway stack: destroy removes buckets with data

# Who may assume the roles (default: principals of this account that IAM allows).
role_principals = {
  reader = ["arn:aws:iam::123456789012:role/analysts"]
  writer = ["arn:aws:iam::123456789012:role/pipelines"]
  admin  = ["arn:aws:iam::123456789012:role/platform"]
}
# Must include whoever runs terraform: this resource owns the account's Lake Formation admin list.
lakeformation_admin_arns = ["arn:aws:iam::123456789012:role/platform"]

athena_bytes_scanned_cutoff    = 1073741824 # 1 GiB per query
athena_results_expiration_days = 7
log_retention_days             = 30
