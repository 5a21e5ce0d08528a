# `terraform test` of the AWS root with a mocked provider: both catalog types, the access model,
# and that an access_level change in YAML changes what Terraform plans.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  environment              = "test"
  lakeformation_admin_arns = ["arn:aws:iam::123456789012:role/platform"]
}

run "glue_catalog" {
  command = plan
  variables {
    catalog_type = "glue"
  }

  assert {
    condition     = length(module.glue_catalog) == 1 && length(module.lake_formation) == 1 && length(module.athena) == 1
    error_message = "catalog_type=glue deploys the Glue catalog, Lake Formation and Athena"
  }
  assert {
    condition     = length(module.nessie) == 0 && length(module.networking) == 0 && length(aws_s3_object.trino_rules) == 0
    error_message = "catalog_type=glue deploys no Nessie, VPC or Trino rules"
  }
  assert {
    condition     = output.glue_databases == tolist(["lakehouse", "ml", "sales"])
    error_message = "one Glue database per namespace in the templates"
  }
  assert {
    condition     = output.icespec_backend == "aws-glue"
    error_message = "the glue stack is icespec's aws-glue backend"
  }
  assert {
    condition = alltrue([for name, grant in output.lf_grants :
    !contains(grant.expression.access_level, "restricted") if grant.role == "reader" && grant.resource_type == "TABLE"])
    error_message = "the reader's table grants must never match access_level=restricted"
  }
  assert {
    condition     = toset(output.lf_grants.reader_tables.expression.access_level) == toset(["public", "internal"])
    error_message = "the reader selects public and internal columns"
  }
  assert {
    condition     = toset(output.lf_grants.writer_tables.permissions) == toset(["SELECT", "INSERT", "DELETE", "DESCRIBE", "ALTER"]) && toset(output.lf_grants.writer_tables.expression.access_level) == toset(["public", "internal", "restricted"])
    error_message = "the writer has SELECT/INSERT/DELETE on every level, and ALTER: an Iceberg commit is glue:UpdateTable, which Lake Formation authorizes with ALTER"
  }
  assert {
    condition     = contains(output.lf_grants.admin_tables.permissions, "ALTER") && contains(output.lf_grants.admin_tables.permissions, "DROP")
    error_message = "the admin may ALTER and DROP"
  }
  assert {
    condition = alltrue(flatten([for stem, cols in output.column_access : [for c in cols :
    contains(output.reader_visible_columns[stem], c.name) == contains(["public", "internal"], c.access_level)]]))
    error_message = "the reader sees exactly the public and internal columns"
  }
  assert {
    condition     = one([for c in output.column_access.scd_type2 : c if c.name == "address"]).access_level == "restricted"
    error_message = "a struct holding an unclassified (restricted) field is restricted as a whole"
  }
}

run "glue_reader_without_pii" {
  command = plan
  variables {
    catalog_type        = "glue"
    reader_can_read_pii = false
  }
  assert {
    condition     = output.lf_grants.reader_tables.expression.pii == tolist(["false"])
    error_message = "reader_can_read_pii=false adds pii=false to the reader's grant"
  }
}

run "nessie_catalog" {
  command = plan
  variables {
    catalog_type = "nessie"
    nessie = {
      certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/mock"
      hostname        = "nessie.example.com"
      oidc = {
        enabled             = true
        auth_server_url     = "https://login.example.com/realms/data"
        client_id           = "nessie"
        audience            = "nessie"
        authorization_rules = { signedin = "true" }
      }
    }
  }

  assert {
    condition     = length(module.nessie) == 1 && length(module.networking) == 1 && length(module.glue_catalog) == 0 && length(module.lake_formation) == 0
    error_message = "catalog_type=nessie deploys Nessie and its VPC, no Glue or Lake Formation"
  }
  assert {
    condition     = output.catalog_uri == "https://nessie.example.com/iceberg" && output.nessie_uri == "https://nessie.example.com/api/v2"
    error_message = "with a certificate and hostname the catalog is served over HTTPS at that name"
  }
  assert {
    condition     = output.icespec_backend == "aws-nessie" && output.nessie_branch == "main" && output.nessie_warehouse == "warehouse"
    error_message = "nessie outputs for icespec settings"
  }
  assert {
    condition = jsonencode([for r in output.trino_access_rules.tables : r.columns if try(r.group, "") == "icespec-reader" && try(r.table, "") == "orders"][0]) == jsonencode([
      { name = "payment_card_last4", allow = false }
    ])
    error_message = "the reader's Trino rule for orders denies exactly the restricted column"
  }
  assert {
    condition = alltrue([for r in output.trino_access_rules.tables : alltrue([for c in r.columns :
      one([for col in output.column_access[r.table] : col if col.name == c.name]).access_level == "restricted"
    ]) if try(r.group, "") == "icespec-reader"])
    error_message = "every column denied to the reader is restricted"
  }
  assert {
    condition = toset([for r in output.trino_access_rules.tables : r.table if try(r.group, "") == "icespec-reader"]) == toset(
    [for stem, t in module.table_spec.tables : t.name])
    error_message = "every template has a reader rule"
  }
  assert {
    condition     = length(output.trino_access_rules.tables[length(output.trino_access_rules.tables) - 1].privileges) == 0 && !can(output.trino_access_rules.tables[length(output.trino_access_rules.tables) - 1].table)
    error_message = "the last Trino table rule denies whatever no template describes"
  }
}

run "nessie_quickstart_without_certificate" {
  command = apply # the load balancer's DNS name is known only after apply (mocked here)
  variables {
    catalog_type = "nessie"
    nessie       = { allow_unauthenticated = true }
  }
  assert {
    condition     = startswith(output.catalog_uri, "http://")
    error_message = "without a certificate the quickstart serves plain HTTP"
  }
}

run "invalid_catalog_type_is_rejected" {
  command = plan
  variables {
    catalog_type = "hive"
  }
  expect_failures = [var.catalog_type]
}

run "access_before" {
  command = apply
  variables {
    catalog_type  = "nessie"
    templates_dir = "tests/fixtures/access_before"
    nessie        = { allow_unauthenticated = true }
  }
  assert {
    condition     = jsonencode(output.reader_visible_columns.customers) == jsonencode(["customer_id"])
    error_message = "segment (unclassified, so restricted) and contact (holds a restricted field) are hidden from the reader"
  }
}

run "access_level_change_changes_the_plan" {
  command = plan
  variables {
    catalog_type  = "nessie"
    templates_dir = "tests/fixtures/access_after"
    nessie        = { allow_unauthenticated = true }
  }
  assert {
    condition     = jsonencode(output.reader_visible_columns.customers) == jsonencode(["customer_id", "segment"])
    error_message = "segment became internal: the reader may read it"
  }
  assert {
    condition     = aws_s3_object.trino_rules[0].content != run.access_before.trino_access_rules_json
    error_message = "the access_level change must change the Trino rules object Terraform plans to write"
  }
  assert {
    condition     = aws_s3_object.trino_rules[0].content == output.trino_access_rules_json
    error_message = "the planned rules object holds the rules rendered from the changed template"
  }
  assert {
    condition     = one([for c in output.column_access.customers : c if c.name == "segment"]).access_level == "internal"
    error_message = "column_access (what icespec apply tags in Lake Formation) follows the change"
  }
}

# AWS Glue table optimizers for the templates with maintenance.engine: glue (tests/fixtures/
# glue_maintenance: ops.events and web.clicks kept by Glue, ops.audit_log by icespec maintain).
run "glue_optimizers_wait_for_icespec_to_create_the_tables" {
  command = plan
  variables {
    catalog_type  = "glue"
    templates_dir = "tests/fixtures/glue_maintenance"
  }
  assert {
    condition     = length(module.glue_table_optimizers) == 1 && jsonencode(output.glue_table_optimizers.optimizers) == jsonencode({ compaction = [], orphan_file_deletion = [], retention = [] })
    error_message = "a fresh stack creates the optimizer role but no optimizer: CreateTableOptimizer needs tables icespec apply has not created yet"
  }
  assert {
    condition     = output.glue_table_optimizers.pending_tables == tolist(["ops.events", "web.clicks"])
    error_message = "the tables still waiting for glue_optimizer_tables are listed"
  }
  assert {
    condition     = contains(output.warehouse_reader_arns, "arn:aws:iam::123456789012:role/icespec-test-table-optimizer")
    error_message = "the optimizer role may read the warehouse's files (the bucket policy and the lake key deny everyone else)"
  }
  expect_failures = [check.glue_kept_tables_have_optimizers]
}

run "glue_optimizers_for_the_created_tables" {
  command = plan
  variables {
    catalog_type          = "glue"
    templates_dir         = "tests/fixtures/glue_maintenance"
    glue_optimizer_tables = ["*"]
  }
  assert {
    condition = jsonencode(output.glue_table_optimizers.optimizers) == jsonencode({
      compaction           = ["ops.events"] # web.clicks has compact: false
      orphan_file_deletion = ["ops.events", "web.clicks"]
      retention            = ["ops.events", "web.clicks"]
    })
    error_message = "one optimizer per type per engine: glue table, compaction only where compact is true; none for audit_log (engine icespec)"
  }
  assert {
    condition     = length(output.glue_table_optimizers.pending_tables) == 0
    error_message = "every engine: glue table has its optimizers"
  }
  assert {
    condition = (
      module.glue_table_optimizers[0].optimizers.retention == tolist(["ops.events", "web.clicks"]) &&
      toset(module.glue_table_optimizers[0].optimizers.compaction) == toset(["ops.events"])
    )
    error_message = "the module reports what it planned"
  }
}

run "glue_optimizers_for_listed_tables_only" {
  command = plan
  variables {
    catalog_type          = "glue"
    templates_dir         = "tests/fixtures/glue_maintenance"
    glue_optimizer_tables = ["web.clicks"]
  }
  assert {
    condition     = output.glue_table_optimizers.optimizers.retention == tolist(["web.clicks"]) && length(output.glue_table_optimizers.optimizers.compaction) == 0
    error_message = "only the listed table gets optimizers"
  }
  expect_failures = [check.glue_kept_tables_have_optimizers]
}

run "glue_optimizers_turned_off" {
  command = plan
  variables {
    catalog_type          = "glue"
    templates_dir         = "tests/fixtures/glue_maintenance"
    glue_table_optimizers = false
  }
  assert {
    condition     = length(module.glue_table_optimizers) == 0 && output.glue_table_optimizers == null
    error_message = "glue_table_optimizers = false renders no optimizer and no role"
  }
  assert {
    condition     = !anytrue([for arn in output.warehouse_reader_arns : endswith(arn, "-table-optimizer")])
    error_message = "without the role, the reader allow-list does not name it"
  }
  expect_failures = [check.glue_kept_tables_have_optimizers]
}

run "glue_engine_needs_the_glue_catalog" {
  command = plan
  variables {
    catalog_type  = "nessie"
    templates_dir = "tests/fixtures/glue_maintenance"
    nessie        = { allow_unauthenticated = true }
  }
  expect_failures = [output.tables]
}
