# Trino file-based access-control rules rendered from the templates — the Nessie path's stand-in
# for Lake Formation. Per role and table: reader SELECT without restricted columns, writer
# SELECT/INSERT/DELETE/UPDATE on every column, admin everything plus OWNERSHIP (ALTER/DROP).
#
# Limit (docs/access-model.md): Trino enforces these rules only for queries through Trino. A client
# with S3 access to the warehouse, or the Nessie REST API itself, is not filtered by them.

locals {
  reader_levels = ["public", "internal"]
  groups        = var.role_groups
  escaped       = { for role, group in local.groups : role => replace(group, ".", "\\.") }

  reader_hidden  = { for stem, cols in var.columns : stem => [for c in cols : c.name if !contains(local.reader_levels, c.access_level)] }
  reader_visible = { for stem, cols in var.columns : stem => [for c in cols : c.name if contains(local.reader_levels, c.access_level)] }

  table_rules = flatten([for stem in sort(keys(var.tables)) : [
    {
      group      = local.escaped.admin
      catalog    = var.catalog
      schema     = var.tables[stem].namespace
      table      = var.tables[stem].name
      privileges = ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP"]
    },
    {
      group      = local.escaped.writer
      catalog    = var.catalog
      schema     = var.tables[stem].namespace
      table      = var.tables[stem].name
      privileges = ["SELECT", "INSERT", "DELETE", "UPDATE"]
    },
    {
      group      = local.escaped.reader
      catalog    = var.catalog
      schema     = var.tables[stem].namespace
      table      = var.tables[stem].name
      privileges = length(local.reader_visible[stem]) > 0 ? ["SELECT"] : []
      columns    = [for name in local.reader_hidden[stem] : { name = name, allow = false }]
    },
  ]])

  rules = {
    catalogs = [
      { group = local.escaped.admin, catalog = var.catalog, allow = "all" },
      { group = local.escaped.writer, catalog = var.catalog, allow = "all" },
      { group = local.escaped.reader, catalog = var.catalog, allow = "read-only" },
      { catalog = var.catalog, allow = "none" },
    ]
    schemas = [
      { group = local.escaped.admin, catalog = var.catalog, schema = ".*", owner = true },
      { catalog = var.catalog, schema = ".*", owner = false },
    ]
    # First match wins: the per-table rules, then nothing for tables no template describes.
    tables = concat(local.table_rules, [{ catalog = var.catalog, privileges = [] }])
  }
}
