provider "aws" {
  region = "eu-west-1"
}

module "lake_formation" {
  source         = "../.."
  name_prefix    = "acme-dev"
  database_names = ["sales", "lakehouse"]
  bucket_arn     = "arn:aws:s3:::acme-lake-dev-123456789012"
  kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  role_principals = {
    reader = ["arn:aws:iam::123456789012:role/analysts"]
    admin  = ["arn:aws:iam::123456789012:role/ci-deployer"]
  }
  athena_workgroup_arn      = "arn:aws:athena:eu-west-1:123456789012:workgroup/acme-dev"
  athena_results_bucket_arn = "arn:aws:s3:::acme-lake-dev-123456789012-athena"
}

output "roles" {
  value = module.lake_formation.role_arns
}
