provider "aws" {
  region = "eu-west-1"
}

module "athena" {
  source                         = "../.."
  workgroup_name                 = "acme-dev"
  results_bucket_name            = "acme-lake-dev-123456789012-athena"
  kms_key_arn                    = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  bytes_scanned_cutoff_per_query = 1073741824
  results_expiration_days        = 7
}

output "results" {
  value = module.athena.results_s3_uri
}
