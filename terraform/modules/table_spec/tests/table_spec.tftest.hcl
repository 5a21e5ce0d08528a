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
