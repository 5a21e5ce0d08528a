module "table_spec" {
  source        = "../../../table_spec"
  templates_dir = "${path.module}/../../../../../table-templates"
}

module "trino_access" {
  source  = "../.."
  tables  = module.table_spec.tables
  columns = module.table_spec.columns
  catalog = "lakehouse"
}

output "rules_json" {
  value = module.trino_access.rules_json
}
