provider "aws" {
  region = "eu-west-1"
}

module "storage" {
  source                 = "../.."
  bucket_name            = "acme-lake-dev-123456789012"
  access_logging_enabled = true
}

output "warehouse_uri" {
  value = module.storage.warehouse_uri
}
