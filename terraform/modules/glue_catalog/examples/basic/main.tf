provider "aws" {
  region = "eu-west-1"
}

module "table_spec" {
  source        = "../../../table_spec"
  templates_dir = "${path.module}/../../../../../table-templates"
}

module "glue_catalog" {
  source                   = "../.."
  namespaces               = module.table_spec.namespaces
  warehouse_uri            = "s3://acme-lake-dev-123456789012/warehouse"
  lakeformation_admin_arns = ["arn:aws:iam::123456789012:role/platform-admin"]
}

output "databases" {
  value = module.glue_catalog.database_names
}
