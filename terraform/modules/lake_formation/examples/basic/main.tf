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
  athena_workgroup_arns = {
    reader = "arn:aws:athena:eu-west-1:123456789012:workgroup/acme-dev-reader"
    writer = "arn:aws:athena:eu-west-1:123456789012:workgroup/acme-dev-writer"
    admin  = "arn:aws:athena:eu-west-1:123456789012:workgroup/acme-dev-admin"
  }
  athena_results_bucket_arn  = "arn:aws:s3:::acme-lake-dev-123456789012-athena"
  athena_results_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-0000-0000-0000-000000000000"
  lakeformation_admins       = ["arn:aws:iam::123456789012:role/ci-deployer"]
}

output "roles" {
  value = module.lake_formation.role_arns
}
