"""Every change kind of the tables suite (tests/tables/test_plan_apply.py) through Nessie's REST protocol, on a
table holding data: each apply is ONE commit request carrying the Iceberg REST updates for that change."""

from __future__ import annotations

import pytest

from icespec.catalogs import Settings, open_catalog
from icespec.spec import parse_spec
from icespec.tables.apply import BreakingChangesRefused, apply_specs
from icespec.tables.plan import plan_tables
from icespec.tables.writers import write_table
from tests.nessie.conftest import nessie_env
from tests.support.iceberg_rest import IcebergRestServer
from tests.tables.test_plan_apply import BASE, CASES, rows

SCHEMA = ["add-schema", "set-current-schema"]
REST_UPDATES = {
    "add_partition": ["add-spec", "set-default-spec"],
    "remove_partition": ["set-default-spec"],  # back to the table's first (unpartitioned) spec
    "add_sort": ["add-sort-order", "set-default-sort-order"],
    "remove_sort": ["set-default-sort-order"],
    "set_property": ["set-properties"],
    "table_doc": ["set-properties"],
    "remove_property": ["set-properties", "remove-properties"],  # the managed-keys record, then the removal
    # drop the column, add it with the new type, and the rewritten data files: one commit
    "incompatible": [*SCHEMA, *SCHEMA, "add-snapshot", "set-snapshot-ref"],
}


@pytest.fixture(scope="module")
def rest_catalog(nessie_server: IcebergRestServer):
    return open_catalog(Settings.from_env(nessie_env(nessie_server)))


@pytest.mark.parametrize(("case", "edit", "kinds", "breaking"), CASES, ids=[c[0] for c in CASES])
def test_change_kind_is_one_rest_commit(nessie_server, rest_catalog, namespace, case, edit, kinds, breaking):
    def spec(body: str):
        return parse_spec(f"name: items\nnamespace: {namespace}\n{body}", filename="items.yaml")

    base, edited = spec(BASE), spec(edit(BASE))
    apply_specs([base], rest_catalog)
    table = rest_catalog.load_table(base.identifier)
    write_table(table, base, rows(), "append")
    snapshot_before = table.refresh().current_snapshot().snapshot_id
    start = len(nessie_server.requests)
    if breaking:
        with pytest.raises(BreakingChangesRefused):
            apply_specs([edited], rest_catalog)
        assert all(r.route != "commit_table" for r in nessie_server.requests[start:])  # refused: nothing sent

    rewrite = case == "incompatible"  # a table with rows: its values are converted, not dropped
    apply_specs([edited], rest_catalog, allow_breaking=breaking, rewrite_incompatible=rewrite)

    commits = [r for r in nessie_server.requests[start:] if r.route == "commit_table"]
    assert [r.status for r in commits] == [200]
    body = commits[0].body
    assert [u["action"] for u in body["updates"]] == REST_UPDATES.get(case, SCHEMA)
    requirements = {q["type"] for q in body["requirements"]}
    assert "assert-table-uuid" in requirements
    if body["updates"][0]["action"] == "add-schema":
        assert "assert-current-schema-id" in requirements  # a concurrent schema change makes it a 409
    assert not plan_tables([edited], rest_catalog)[0].has_changes
    after = rest_catalog.load_table(base.identifier)
    if not rewrite:
        assert after.current_snapshot().snapshot_id == snapshot_before  # evolved in place, data kept
    assert after.scan().to_arrow().num_rows == 20
