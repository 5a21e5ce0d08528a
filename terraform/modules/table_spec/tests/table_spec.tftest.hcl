# Offline, provider-free: `terraform test` in this folder.

run "examples_decode" {
  command = plan
  variables {
    templates_dir = "../../../table-templates"
  }
  assert {
    condition     = output.namespaces == tolist(["lakehouse", "ml", "sales"])
    error_message = "namespaces of the example templates should be lakehouse, ml, sales"
  }
  assert {
    condition     = output.tables.orders.properties["commit.retry.num-retries"] == "10"
    error_message = "the alias commit_retry_num_retries should normalize to commit.retry.num-retries = \"10\""
  }
  assert {
    condition     = output.tables.orders.partition_spec[0].name == "customer_id_bucket_16"
    error_message = "bucket[16] on customer_id should default to the name customer_id_bucket_16"
  }
  assert {
    condition     = output.tables.scd_type2.sort_order[1].null_order == "nulls_last"
    error_message = "a desc sort field defaults to nulls_last"
  }
  assert {
    condition     = one([for c in output.columns.scd_type2 : c if c.name == "address"]).access_level == "restricted"
    error_message = "address holds a field without access_level (restricted by default): the column must be restricted"
  }
  assert {
    condition     = output.tables.feature_table.columns[4].type == "struct<sessions_7d:int,avg_session_seconds:double,last_seen:timestamptz>"
    error_message = "type strings lose their white space"
  }
  assert {
    condition     = alltrue([for t in output.tables : t.maintenance == { schedule = "0 3 * * *", compact = true, orphan_older_than = "3d", engine = "icespec" }])
    error_message = "a template without maintenance: gets icespec.spec's defaults (icespec maintain, daily at 03:00, compact, orphans older than 3d)"
  }
  assert {
    condition     = length(output.glue_optimized_tables) == 0
    error_message = "no example template is kept by AWS Glue's table optimizers"
  }
}

run "maintenance_decodes_and_converts_for_glue" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/maintenance"
  }
  assert {
    condition     = output.tables.kept_by_glue.maintenance == { schedule = "@daily", compact = true, orphan_older_than = "90m", engine = "glue" }
    error_message = "maintenance keys are read, the schedule trimmed, omitted keys defaulted"
  }
  assert {
    condition     = output.tables.defaults.maintenance.engine == "icespec" && keys(output.glue_optimized_tables) == ["kept_by_glue"]
    error_message = "only engine: glue tables are listed for Glue's optimizers"
  }
  assert {
    condition = output.glue_optimized_tables.kept_by_glue == {
      database                             = "ops"
      table                                = "kept_by_glue"
      compact                              = true
      snapshot_retention_period_in_days    = 2 # 90000000 ms (the property's alias, resolved) = 1.04 days, rounded up
      number_of_snapshots_to_retain        = 1 # unset: Iceberg's and Glue's default
      orphan_file_retention_period_in_days = 1 # 90m is under Glue's documented minimum of 1 day
    }
    error_message = "the optimizer values: whole days rounded up, defaults for unset properties, at least 1 day for orphans"
  }
}

run "unknown_maintenance_engine_fails" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/bad_engine"
  }
  expect_failures = [output.tables]
}

run "orphan_age_under_an_hour_fails" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/bad_orphan_age"
  }
  expect_failures = [output.tables]
}

run "glue_kept_table_keeping_no_snapshot_fails" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/bad_glue_retention"
  }
  expect_failures = [output.glue_optimized_tables]
}

run "deep_nesting_inherits_and_normalizes" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/deep"
  }
  assert {
    condition     = output.tables.deep_nest.columns[1].fields[0].fields[0].fields[0].fields[0].type == "map<string,decimal(10,2)>"
    error_message = "the fifth level is decoded and its type normalized"
  }
  assert {
    condition     = output.tables.deep_nest.columns[1].fields[0].fields[0].fields[0].fields[0].access_level == "internal"
    error_message = "a nested field inherits access_level from its nearest classified ancestor"
  }
  assert {
    condition     = output.columns.deep_nest[1].pii && output.columns.deep_nest[1].access_level == "internal"
    error_message = "top-level l1 is internal (most restrictive inside) and pii (a nested field is)"
  }
  assert {
    condition     = tomap(output.tables.deep_nest.properties) == tomap({ "write.format.default" = "parquet", "team.cost-center" = "42", "commit.retry.num-retries" = "3", "write.wap.enabled" = "true" })
    error_message = "properties: aliases resolved, custom dotted keys kept, values as strings"
  }
  assert {
    condition     = [for p in output.tables.deep_nest.partition_spec : p.name] == ["id_trunc_4", "id_null"]
    error_message = "default partition names for truncate and void"
  }
  assert {
    condition     = output.tables.deep_nest.sort_order[0] == { column = "id", transform = "identity", direction = "desc", null_order = "nulls_last" }
    error_message = "sort defaults"
  }
}

run "too_deep_fails" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/too_deep"
  }
  expect_failures = [output.tables]
}

run "pii_public_fails" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/pii_public"
  }
  expect_failures = [output.tables]
}

run "name_mismatch_fails" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/name_mismatch"
  }
  expect_failures = [output.tables]
}

run "unknown_property_fails" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/unknown_property"
  }
  expect_failures = [output.tables]
}

run "duplicate_column_fails" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/duplicate_column"
  }
  expect_failures = [output.tables]
}

run "no_templates_fails" {
  command = plan
  variables {
    templates_dir = "tests/fixtures/empty"
  }
  expect_failures = [output.tables]
}

run "no_templates_allowed_when_asked" {
  command = plan
  variables {
    templates_dir      = "tests/fixtures/empty"
    allow_no_templates = true
  }
  assert {
    condition     = length(output.tables) == 0
    error_message = "files starting with _ or . are not templates"
  }
}
