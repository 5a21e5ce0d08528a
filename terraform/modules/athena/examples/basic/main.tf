provider "aws" {
  region = "eu-west-1"
}

module "athena" {
  source                         = "../.."
  workgroup_name                 = "acme-dev"
  results_bucket_name            = "acme-lake-dev-123456789012-athena"
  roles                          = ["reader", "writer", "admin"]
  bytes_scanned_cutoff_per_query = 1073741824
  results_expiration_days        = 7
}

output "results" {
  value = module.athena.results_s3_uris
}
