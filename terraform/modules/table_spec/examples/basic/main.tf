module "table_spec" {
  source        = "../.."
  templates_dir = "${path.module}/../../../../../table-templates"
}

output "namespaces" {
  value = module.table_spec.namespaces
}

output "orders" {
  value = module.table_spec.tables["orders"]
}
