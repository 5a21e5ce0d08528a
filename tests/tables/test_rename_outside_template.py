"""A column renamed by hand keeps its field id: plan shows a rename back, never a drop plus an add."""

from __future__ import annotations

import pyarrow as pa
from pyiceberg.types import StringType

from icespec.catalogs import open_catalog
from icespec.tables.apply import apply_specs
from icespec.tables.diff import diff_table
from icespec.tables.writers import write_table

BODY = """\
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: label, type: string, access_level: public}
  - name: address
    access_level: internal
    fields:
      - {name: city, type: string}
"""


def test_hand_rename_is_planned_as_a_rename_back_and_apply_keeps_the_data(backend, make_spec):
    settings, catalog = backend
    spec = make_spec(BODY)
    apply_specs([spec], catalog, settings=settings)
    table = catalog.load_table(spec.identifier)
    rows = pa.table({"id": [1, 2], "label": ["a", "b"], "address": [{"city": "Oslo"}, None]})
    write_table(table, spec, rows, "append")
    with table.update_schema() as update:  # what someone does by hand in an engine
        update.rename_column("label", "title")
        update.rename_column("address.city", "town")

    plan = diff_table(spec, catalog.load_table(spec.identifier))
    assert [(c.kind, c.before, c.after, c.breaking) for c in plan.changes] == [
        ("rename_column", "title", "label", False),
        ("rename_column", "address.town", "address.city", False),
    ]
    assert "renamed outside the template" in plan.changes[0].message

    apply_specs([spec], catalog, settings=settings)
    table = catalog.load_table(spec.identifier)
    assert not diff_table(spec, table).has_changes
    assert table.scan().to_arrow().sort_by("id").to_pylist() == rows.to_pylist()


def test_a_dropped_and_re_added_column_is_not_mistaken_for_a_rename(local_settings, make_spec):
    catalog = open_catalog(local_settings)
    spec = make_spec(BODY)
    apply_specs([spec], catalog, settings=local_settings)
    table = catalog.load_table(spec.identifier)
    with table.update_schema() as update:
        update.delete_column("label")
    with table.update_schema() as update:
        update.add_column("label_v2", StringType())
    changes = diff_table(spec, catalog.load_table(spec.identifier)).changes
    assert sorted((c.kind, c.path, c.breaking) for c in changes) == [
        ("add_column", "label", False),
        ("drop_column", "label_v2", True),
    ]
