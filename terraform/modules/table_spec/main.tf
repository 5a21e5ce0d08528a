# Decodes table-templates/*.yaml into the normalized form of docs/template-reference.md, the same
# JSON `icespec.spec.load_spec(path).to_dict()` returns (a pytest parity test proves it).
#
# Terraform has no recursion, so nested `fields:` are unrolled to MAX_DEPTH = 5 levels (a top-level
# column plus four levels of nesting); deeper templates fail a precondition in outputs.tf.

locals {
  # Subfolders too (one per namespace is common); a folder or file named _* or .* is not read. File
  # names are unique across folders (icespec validate says so), so the key stays the file stem.
  template_files = sort([
    for f in fileset(var.templates_dir, "**/*.{yaml,yml}") : f
    if !anytrue([for part in split("/", f) : startswith(part, "_") || startswith(part, ".")])
  ])
  raw = { for f in local.template_files : trimsuffix(trimsuffix(basename(f), ".yaml"), ".yml") => yamldecode(file("${var.templates_dir}/${f}")) }

  # Same list as icespec.spec.properties (a test keeps the JSON current).
  property_catalog  = jsondecode(file("${path.module}/property_aliases.json"))
  property_aliases  = local.property_catalog.aliases
  known_properties  = local.property_catalog.known
  known_prefixes    = local.property_catalog.known_prefixes
  reserved_prefixes = local.property_catalog.reserved_prefixes

  # maintenance: who keeps each table small, and the defaults of icespec.spec's Maintenance.
  maintenance_engines = ["icespec", "glue"] # icespec: `icespec maintain`; glue: AWS Glue table optimizers
  maintenance_default = { schedule = "0 3 * * *", compact = true, orphan_older_than = "3d", engine = "icespec" }

  access_levels = ["public", "internal", "restricted"] # least to most restrictive
  access_rank   = { public = 0, internal = 1, restricted = 2 }
  default_level = "restricted" # fail-closed: an unclassified column is hidden from readers

  # One normalized object per template. Each column level binds its access level with the
  # `for a in [value]` idiom so that nested fields inherit the parent's (possibly inherited) level.
  tables = { for stem, t in local.raw : stem => {
    name        = try(t.name, null)
    namespace   = try(t.namespace, null)
    description = try(coalesce(t.description, ""), "")
    owner       = try(t.owner, null)
    columns = [for c1 in try(t.columns, null)[*] : [for a1 in [try(coalesce(c1.access_level, local.default_level), local.default_level)] : {
      name         = try(c1.name, null)
      type         = try(c1.fields, null) != null ? "struct" : try(replace(c1.type, "/\\s+/", ""), null)
      required     = try(c1.required == true, false)
      description  = try(coalesce(c1.description, ""), "")
      pii          = try(c1.pii == true, false)
      access_level = a1
      renamed_from = try(c1.renamed_from, null)
      checks       = merge({}, try(c1.checks, null))
      fields = try(c1.fields, null) == null ? null : [for c2 in c1.fields : [for a2 in [try(coalesce(c2.access_level, a1), a1)] : {
        name         = try(c2.name, null)
        type         = try(c2.fields, null) != null ? "struct" : try(replace(c2.type, "/\\s+/", ""), null)
        required     = try(c2.required == true, false)
        description  = try(coalesce(c2.description, ""), "")
        pii          = try(c2.pii == true, false)
        access_level = a2
        renamed_from = try(c2.renamed_from, null)
        checks       = merge({}, try(c2.checks, null))
        fields = try(c2.fields, null) == null ? null : [for c3 in c2.fields : [for a3 in [try(coalesce(c3.access_level, a2), a2)] : {
          name         = try(c3.name, null)
          type         = try(c3.fields, null) != null ? "struct" : try(replace(c3.type, "/\\s+/", ""), null)
          required     = try(c3.required == true, false)
          description  = try(coalesce(c3.description, ""), "")
          pii          = try(c3.pii == true, false)
          access_level = a3
          renamed_from = try(c3.renamed_from, null)
          checks       = merge({}, try(c3.checks, null))
          fields = try(c3.fields, null) == null ? null : [for c4 in c3.fields : [for a4 in [try(coalesce(c4.access_level, a3), a3)] : {
            name         = try(c4.name, null)
            type         = try(c4.fields, null) != null ? "struct" : try(replace(c4.type, "/\\s+/", ""), null)
            required     = try(c4.required == true, false)
            description  = try(coalesce(c4.description, ""), "")
            pii          = try(c4.pii == true, false)
            access_level = a4
            renamed_from = try(c4.renamed_from, null)
            checks       = merge({}, try(c4.checks, null))
            fields = try(c4.fields, null) == null ? null : [for c5 in c4.fields : [for a5 in [try(coalesce(c5.access_level, a4), a4)] : {
              name         = try(c5.name, null)
              type         = try(c5.fields, null) != null ? "struct" : try(replace(c5.type, "/\\s+/", ""), null)
              required     = try(c5.required == true, false)
              description  = try(coalesce(c5.description, ""), "")
              pii          = try(c5.pii == true, false)
              access_level = a5
              renamed_from = try(c5.renamed_from, null)
              checks       = merge({}, try(c5.checks, null))
              fields       = null # MAX_DEPTH reached; a deeper template fails the depth precondition
            }][0]]
          }][0]]
        }][0]]
      }][0]]
    }][0]]
    identifier_fields = try(t.identifier_fields, null)[*]
    partition_spec = [for p in try(t.partition_spec, null)[*] : [for tr in [try(coalesce(p.transform, "identity"), "identity")] : {
      column    = p.column
      transform = tr
      # Default names are pyiceberg's: the full dotted column path plus a transform suffix.
      name = try(p.name, null) != null ? p.name : (
        tr == "identity" ? p.column :
        startswith(tr, "bucket[") ? "${p.column}_bucket_${trimsuffix(trimprefix(tr, "bucket["), "]")}" :
        startswith(tr, "truncate[") ? "${p.column}_trunc_${trimsuffix(trimprefix(tr, "truncate["), "]")}" :
        tr == "void" ? "${p.column}_null" :
        "${p.column}_${tr}"
      )
    }][0]]
    sort_order = [for s in try(t.sort_order, null)[*] : [for d in [try(coalesce(s.direction, "asc"), "asc")] : {
      column     = s.column
      transform  = try(coalesce(s.transform, "identity"), "identity")
      direction  = d
      null_order = try(coalesce(s.null_order, d == "asc" ? "nulls_first" : "nulls_last"), d == "asc" ? "nulls_first" : "nulls_last")
    }][0]]
    # Grouping (`...`) then [0]: two keys naming one property fail a precondition, not a cryptic for-error.
    properties  = { for k, v in merge({}, try(t.properties, null)) : lookup(local.property_aliases, k, k) => tostring(v)... }
    tags        = { for k, v in merge({}, try(t.tags, null)) : k => tostring(v) }
    allow_empty = try(t.allow_empty == true, false)
    freshness = try(t.freshness.fail_after, null) == null ? null : {
      column     = t.freshness.column
      warn_after = try(t.freshness.warn_after, null)
      fail_after = t.freshness.fail_after
    }
    # Always present, defaults filled in (icespec.spec.Maintenance.to_dict()); an engine other
    # than icespec or glue fails a precondition and normalizes to the default, as in Python.
    maintenance = {
      schedule          = try(trimspace(t.maintenance.schedule), local.maintenance_default.schedule)
      compact           = try(t.maintenance.compact, true) == true
      orphan_older_than = try(tostring(coalesce(t.maintenance.orphan_older_than)), local.maintenance_default.orphan_older_than)
      engine            = try(contains(local.maintenance_engines, t.maintenance.engine), false) ? t.maintenance.engine : local.maintenance_default.engine
    }
  } }

  normalized = { for stem, t in local.tables : stem => merge(t, {
    properties = { for k, values in t.properties : k => values[0] }
  }) }

  # Every column node, flat, level by level: where it sits, its raw YAML and its resolved level.
  nodes_1 = flatten([for stem, t in local.raw : [for c in try(t.columns, null)[*] : {
    table  = stem, top = try(c.name, "?"), parent = "", path = try(c.name, "?"), depth = 1, node = c
    access = try(coalesce(c.access_level, local.default_level), local.default_level)
  }]])
  nodes_2 = flatten([for p in local.nodes_1 : [for c in try(p.node.fields, null)[*] : {
    table  = p.table, top = p.top, parent = p.path, path = "${p.path}.${try(c.name, "?")}", depth = 2, node = c
    access = try(coalesce(c.access_level, p.access), p.access)
  }]])
  nodes_3 = flatten([for p in local.nodes_2 : [for c in try(p.node.fields, null)[*] : {
    table  = p.table, top = p.top, parent = p.path, path = "${p.path}.${try(c.name, "?")}", depth = 3, node = c
    access = try(coalesce(c.access_level, p.access), p.access)
  }]])
  nodes_4 = flatten([for p in local.nodes_3 : [for c in try(p.node.fields, null)[*] : {
    table  = p.table, top = p.top, parent = p.path, path = "${p.path}.${try(c.name, "?")}", depth = 4, node = c
    access = try(coalesce(c.access_level, p.access), p.access)
  }]])
  nodes_5 = flatten([for p in local.nodes_4 : [for c in try(p.node.fields, null)[*] : {
    table  = p.table, top = p.top, parent = p.path, path = "${p.path}.${try(c.name, "?")}", depth = 5, node = c
    access = try(coalesce(c.access_level, p.access), p.access)
  }]])
  nodes = concat(local.nodes_1, local.nodes_2, local.nodes_3, local.nodes_4, local.nodes_5)

  # Top-level column → levels and pii flags of itself and everything nested in it.
  subtree_access = { for n in local.nodes : "${n.table}/${n.top}" => lookup(local.access_rank, n.access, 2)... }
  subtree_pii    = { for n in local.nodes : "${n.table}/${n.top}" => try(n.node.pii == true, false)... }

  # What engines grant on: top-level columns, each at the most restrictive level found inside it.
  column_access = { for stem, t in local.normalized : stem => [for c in t.columns : {
    name         = c.name
    access_level = local.access_levels[max(local.subtree_access["${stem}/${c.name}"]...)]
    pii          = anytrue(local.subtree_pii["${stem}/${c.name}"])
  }] }

  namespaces = sort(distinct([for t in local.normalized : t.namespace if t.namespace != null]))

  # Tables AWS Glue's table optimizers keep (maintenance.engine = glue), with the values the
  # optimizers take (AWS Glue API Reference, IcebergRetentionConfiguration and
  # IcebergOrphanFileDeletionConfiguration). A value Terraform cannot compute is null here and
  # fails the precondition on the glue_optimized_tables output.
  orphan_unit_minutes = { m = 1, h = 60, d = 1440 }
  glue_optimized = { for stem, t in local.normalized : stem => {
    database = t.namespace
    table    = t.name
    compact  = t.maintenance.compact
    # history.expire.max-snapshot-age-ms in whole days, rounded up; unset: Iceberg's and Glue's 5.
    snapshot_retention_period_in_days = (
      lookup(t.properties, "history.expire.max-snapshot-age-ms", null) == null ? 5 :
      try(ceil(tonumber(t.properties["history.expire.max-snapshot-age-ms"]) / 86400000), null)
    )
    # history.expire.min-snapshots-to-keep; unset: Iceberg's and Glue's 1.
    number_of_snapshots_to_retain = (
      lookup(t.properties, "history.expire.min-snapshots-to-keep", null) == null ? 1 :
      try(tonumber(t.properties["history.expire.min-snapshots-to-keep"]), null)
    )
    # orphan_older_than in whole days, rounded up, at least Glue's documented minimum of 1 day.
    orphan_file_retention_period_in_days = try(max(1, ceil(
      tonumber(regex("^([1-9][0-9]*)[mhd]$", t.maintenance.orphan_older_than)[0]) *
      local.orphan_unit_minutes[substr(t.maintenance.orphan_older_than, -1, 1)] / 1440
    )), null)
  } if t.maintenance.engine == "glue" }

  # --- invariants (checked as preconditions in outputs.tf) -------------------------------------
  problems = {
    no_templates = length(local.template_files) == 0 && !var.allow_no_templates ? ["no *.yaml template in ${var.templates_dir}"] : []
    name_mismatch = [for stem, t in local.raw : "${stem} has name '${try(t.name, "")}'"
    if try(t.name, null) != stem]
    bad_namespace = [for stem, t in local.raw : "${stem}.yaml namespace '${try(t.namespace, "")}'"
    if !can(regex("^[a-z][a-z0-9_]*$", t.namespace))]
    bad_table_name = [for stem in keys(local.raw) : "${stem}.yaml" if !can(regex("^[a-z][a-z0-9_]*$", stem))]
    no_columns     = [for stem, t in local.raw : "${stem}.yaml" if length(try(t.columns, null)[*]) == 0]
    too_deep = distinct(flatten([for p in local.nodes_5 : [for c in try(p.node.fields, null)[*] :
    "${p.table}.yaml column ${p.path}"]]))
    bad_column_name = [for n in local.nodes : "${n.table}.yaml column ${n.path}"
    if !can(regex("^[A-Za-z_][A-Za-z0-9_]*$", n.node.name))]
    bad_access_level = [for n in local.nodes : "${n.table}.yaml column ${n.path}: '${n.access}'"
    if !contains(local.access_levels, n.access)]
    pii_public = [for n in local.nodes : "${n.table}.yaml column ${n.path}"
    if try(n.node.pii == true, false) && n.access == "public"]
    fields_with_type = [for n in local.nodes : "${n.table}.yaml column ${n.path} has type '${n.node.type}'"
    if try(n.node.fields, null) != null && !contains(["struct", "null"], try(tostring(n.node.type), "null"))]
    no_type = [for n in local.nodes : "${n.table}.yaml column ${n.path}"
    if try(n.node.fields, null) == null && try(n.node.type, null) == null]
    duplicate_column = [for key, names in { for n in local.nodes : "${n.table}.yaml ${n.parent == "" ? "columns" : "fields of ${n.parent}"}" => lower(try(n.node.name, "?"))... } :
    "${key}: ${join(", ", names)}" if length(distinct(names)) != length(names)]
    unknown_property = flatten([for stem, t in local.raw : [
      for k in keys(merge({}, try(t.properties, null))) : "${stem}.yaml property '${k}'" if(
        !contains(keys(local.property_aliases), k) && !contains(local.known_properties, k) &&
        !anytrue([for p in local.known_prefixes : startswith(k, p) && length(k) > length(p)]) &&
        (!strcontains(k, ".") || anytrue([for p in local.reserved_prefixes : startswith(k, p)]))
      )
    ]])
    duplicate_property = flatten([for stem, t in local.tables : [for k, values in t.properties : "${stem}.yaml sets ${k} ${length(values)} times"
    if length(values) > 1]])
    bad_maintenance_engine = [for stem, t in local.raw : "${stem}.yaml has engine '${try(tostring(t.maintenance.engine), "?")}'"
    if try(t.maintenance.engine, null) != null && !try(contains(local.maintenance_engines, t.maintenance.engine), false)]
    # icespec.spec refuses orphan ages under 1h too: a write still in flight has unreferenced files.
    bad_orphan_older_than = [for stem, t in local.raw : "${stem}.yaml has orphan_older_than '${try(tostring(t.maintenance.orphan_older_than), "?")}'"
    if try(t.maintenance.orphan_older_than, null) != null && !can(regex("^[1-9][0-9]*[hd]$", t.maintenance.orphan_older_than)) && try(tonumber(regex("^([1-9][0-9]*)m$", t.maintenance.orphan_older_than)[0]), 0) < 60]
    # The Glue API takes whole numbers (Integer, 32-bit); Iceberg keeps at least one snapshot
    # (its ExpireSnapshots.retainLast refuses fewer) and expires by a positive age.
    bad_glue_retention = flatten([for stem, g in local.glue_optimized : [
      for key in ["history.expire.max-snapshot-age-ms", "history.expire.min-snapshots-to-keep"] :
      "${stem}.yaml ${key} '${local.normalized[stem].properties[key]}'"
      if lookup(local.normalized[stem].properties, key, null) != null && !try(
        can(regex("^[1-9][0-9]*$", local.normalized[stem].properties[key])) &&
        (key == "history.expire.max-snapshot-age-ms" ? g.snapshot_retention_period_in_days : g.number_of_snapshots_to_retain) <= 2147483647,
      false)
    ]])
  }
}
