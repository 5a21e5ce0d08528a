"""ICESPEC_BACKEND=aws-nessie end to end: the real pyiceberg REST client, icespec's plan/apply/writers and
CLI, against a local server that answers like Nessie's Iceberg REST endpoint (tests/support/iceberg_rest.py).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyiceberg.exceptions import NamespaceNotEmptyError, NoSuchTableError
from pyiceberg.types import StringType

from icespec.catalogs import Settings, open_catalog
from icespec.cli import main
from icespec.schema import arrow_schema
from icespec.spec import load_specs, parse_spec
from icespec.tables.apply import apply_specs, apply_table
from icespec.tables.plan import plan_tables
from icespec.tables.writers import WriteError, write_table
from tests.nessie.conftest import REPO, nessie_env
from tests.support.iceberg_rest import IcebergRestServer

ITEMS = """\
identifier_fields: [id]
partition_spec:
  - {column: day, transform: day}
columns:
  - {name: id, type: long, required: true, description: Item id, access_level: public}
  - {name: label, type: string, description: Label, access_level: public}
  - {name: day, type: date, required: true, description: Day, access_level: public}
"""
NOTE_COLUMN = "  - {name: note, type: string, description: Free text, access_level: internal}\n"


def _items_spec(namespace: str, extra_columns: str = ""):
    return parse_spec(f"name: items\nnamespace: {namespace}\n{ITEMS}{extra_columns}", filename="items.yaml")


def _set_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name in ("ICESPEC_WAREHOUSE", "ICESPEC_NESSIE_BRANCH", "ICESPEC_TEMPLATES", "ICESPEC_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _templates(folder: Path, namespace: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "items.yaml").write_text(f"name: items\nnamespace: {namespace}\n{body}")
    return folder


def _file_path(uri: str) -> Path:
    return Path(url2pathname(urlparse(uri).path))


def _items_table(server: IcebergRestServer, namespace: str):
    """(settings, catalog, spec, table): the items table applied on the stand-in, holding keys 1 and 2."""
    settings = Settings.from_env(nessie_env(server))
    catalog = open_catalog(settings)
    spec = _items_spec(namespace)
    apply_specs([spec], catalog)
    table = catalog.load_table(spec.identifier)
    write_table(table, spec, _items([1, 2], "old"), "append")
    return settings, catalog, spec, table


def _items(ids: list[int], label: str) -> pa.Table:
    import datetime as dt

    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "label": [f"{label}{i}" for i in ids],
            "day": [dt.date(2024, 1, 1 + i % 3) for i in ids],
        }
    )


def test_every_call_goes_to_the_branch_prefix_and_examples_plan_apply_plan(
    nessie_server: IcebergRestServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    _set_env(monkeypatch, nessie_env(nessie_server, branch="dev"))
    start = len(nessie_server.requests)
    args = ["--templates", str(REPO / "table-templates")]

    assert main([*args, "plan"]) == 2
    assert main([*args, "apply"]) == 0
    assert main([*args, "plan"]) == 0
    assert "No changes: 4 table(s)" in capsys.readouterr().out

    calls = nessie_server.requests[start:]
    configs = [r for r in calls if r.route == "config"]
    assert [(urlparse(r.path).path, r.query) for r in configs] == [
        ("/iceberg/dev/v1/config", {"warehouse": ["warehouse"]})
    ] * 3
    catalog_calls = [r for r in calls if r.route != "config"]
    assert catalog_calls and all(r.path.startswith("/iceberg/v1/dev%7Cwarehouse/") for r in catalog_calls)
    assert {r.branch for r in catalog_calls} == {"dev"}
    # The tables exist on dev only, with real metadata files behind them.
    specs = load_specs([REPO / "table-templates"])
    dev, main_branch = nessie_server.catalogs["dev"], nessie_server.catalogs["main"]
    for spec in specs:
        table = dev.load_table(spec.identifier)
        assert _file_path(table.metadata_location).is_file()
        assert not main_branch.table_exists(spec.identifier)
    # Tables were created in one staged create + one commit each (assert-create), never twice.
    creates = [
        r for r in calls if r.route == "commit_table" and r.body["requirements"][0]["type"] == "assert-create"
    ]
    assert sorted(r.identifier for r in creates) == sorted(s.identifier for s in specs)


def test_default_warehouse_uses_the_bare_branch_prefix(nessie_server: IcebergRestServer):
    env = nessie_env(nessie_server, branch="ci")
    del env["ICESPEC_WAREHOUSE"]
    start = len(nessie_server.requests)
    catalog = open_catalog(Settings.from_env(env))
    assert catalog.properties["prefix"] == "ci"
    assert catalog.uri == f"{nessie_server.iceberg_url}/"  # Nessie's `uri` override drops the branch
    assert [urlparse(r.path).path for r in nessie_server.requests[start:]] == [
        "/iceberg/ci/v1/config",
        "/iceberg/v1/ci/namespaces",
    ]


def test_cli_apply_write_then_python_upsert_read_back(
    nessie_server: IcebergRestServer, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    _set_env(monkeypatch, nessie_env(nessie_server))
    templates = _templates(tmp_path / "templates", namespace, ITEMS)
    args = ["--templates", str(templates)]
    assert main([*args, "apply"]) == 0
    pq.write_table(_items([1, 2, 3], "a"), tmp_path / "batch.parquet")
    assert main([*args, "write", "items", str(tmp_path / "batch.parquet")]) == 0
    assert "wrote 3 rows" in capsys.readouterr().out

    settings = Settings.from_env(nessie_env(nessie_server))
    spec = load_specs([templates])[0]
    table = open_catalog(settings).load_table(spec.identifier)
    result = write_table(table, spec, _items([3, 4], "b"), "upsert")
    assert (result.rows_updated, result.rows_inserted) == (1, 1)

    fresh = open_catalog(settings).load_table(spec.identifier)  # a second client reads it back
    rows = fresh.scan().to_arrow().sort_by("id")
    assert rows.column("id").to_pylist() == [1, 2, 3, 4]
    assert rows.column("label").to_pylist() == ["a1", "a2", "b3", "b4"]
    # The server's own catalog sees the same snapshot, and the data files are real Parquet files.
    backing = nessie_server.catalogs["main"].load_table(spec.identifier)
    assert backing.current_snapshot().snapshot_id == fresh.current_snapshot().snapshot_id
    files = [task.file.file_path for task in backing.scan().plan_files()]
    assert files and all(_file_path(f).is_file() for f in files)
    assert sum(pq.read_metadata(_file_path(f)).num_rows for f in files) == 4


def test_add_column_arrives_as_add_schema_and_set_current_schema(
    nessie_server: IcebergRestServer, namespace: str
):
    settings = Settings.from_env(nessie_env(nessie_server))
    catalog = open_catalog(settings)
    v1, v2 = _items_spec(namespace), _items_spec(namespace, NOTE_COLUMN)
    apply_specs([v1], catalog)
    before = catalog.load_table(v1.identifier).metadata
    start = len(nessie_server.requests)

    assert [r.action for r in apply_specs([v2], catalog)] == ["updated"]

    commits = [r for r in nessie_server.requests[start:] if r.route == "commit_table"]
    assert len(commits) == 1 and commits[0].status == 200
    body = commits[0].body
    assert body["identifier"] == {"namespace": [namespace], "name": "items"}
    assert {"type": "assert-table-uuid", "uuid": str(before.table_uuid)} in body["requirements"]
    assert {"type": "assert-current-schema-id", "current-schema-id": before.current_schema_id} in body[
        "requirements"
    ]
    actions = [u["action"] for u in body["updates"]]
    assert actions[:2] == ["add-schema", "set-current-schema"]
    new_schema = body["updates"][0]["schema"]
    assert [f["name"] for f in new_schema["fields"]] == ["id", "label", "day", "note"]
    note = new_schema["fields"][-1]
    assert note == {"id": before.last_column_id + 1, "name": "note", "type": "string", "required": False,
                    "doc": "Free text"}  # fmt: skip
    assert body["updates"][1] == {"action": "set-current-schema", "schema-id": -1}  # -1: the one just added
    assert not any(p.has_changes for p in plan_tables([v2], open_catalog(settings)))


def test_an_append_that_gets_a_409_is_rebased_on_the_concurrent_commit(
    nessie_server: IcebergRestServer, namespace: str
):
    settings = Settings.from_env(nessie_env(nessie_server))
    catalog = open_catalog(settings)
    spec = _items_spec(namespace)
    apply_specs([spec], catalog)
    table = catalog.load_table(spec.identifier)

    other_snapshots: list[int] = []

    def another_writer_commits_first(branch_catalog) -> None:
        other = branch_catalog.load_table(spec.identifier)
        other.append(_items([100], "other").cast(arrow_schema(spec)))
        other_snapshots.append(other.current_snapshot().snapshot_id)

    nessie_server.on_next_commit(spec.identifier, another_writer_commits_first)
    start = len(nessie_server.requests)
    result = write_table(table, spec, _items([1, 2], "mine"), "append")

    commits = [r for r in nessie_server.requests[start:] if r.route == "commit_table"]
    assert [r.status for r in commits] == [409, 200]  # pyiceberg's commit loop, per commit.retry.*
    assert result.replans == 0  # an append's plan stays valid: re-based, never re-planned

    def main_ref_requirement(request) -> dict:
        (requirement,) = [r for r in request.body["requirements"] if r["type"] == "assert-ref-snapshot-id"]
        return requirement

    assert main_ref_requirement(commits[0]) == {
        "type": "assert-ref-snapshot-id",
        "ref": "main",
        "snapshot-id": None,
    }
    assert commits[0].body["updates"][0]["action"] == "add-snapshot"
    # The retry is built on the other writer's snapshot: nothing of either writer is lost.
    assert main_ref_requirement(commits[1])["snapshot-id"] == other_snapshots[0]
    ids = open_catalog(settings).load_table(spec.identifier).scan().to_arrow().column("id").to_pylist()
    assert sorted(ids) == [1, 2, 100]


def test_concurrent_apply_of_the_same_change_gets_409_then_finds_nothing_to_do(
    nessie_server: IcebergRestServer, namespace: str
):
    catalog = open_catalog(Settings.from_env(nessie_env(nessie_server)))
    v1, v2 = _items_spec(namespace), _items_spec(namespace, NOTE_COLUMN)
    apply_specs([v1], catalog)

    def another_deploy_applies_it_first(branch_catalog) -> None:
        with branch_catalog.load_table(v2.identifier).update_schema() as update:
            update.add_column("note", StringType(), doc="Free text")

    nessie_server.on_next_commit(v2.identifier, another_deploy_applies_it_first)
    start = len(nessie_server.requests)
    result = apply_table(v2, catalog)

    commits = [r for r in nessie_server.requests[start:] if r.route == "commit_table"]
    assert [(r.status, r.body["updates"][0]["action"]) for r in commits] == [(409, "add-schema")]
    assert result.action == "unchanged"  # re-read after the 409: the other deploy already did it
    names = [f.name for f in catalog.load_table(v2.identifier).schema().fields]
    assert names == ["id", "label", "day", "note"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("case", "variable"),
    [
        ("unreachable", "ICESPEC_NESSIE_URI"),
        ("not-iceberg-rest", "ICESPEC_NESSIE_URI"),
        ("missing-branch", "ICESPEC_NESSIE_BRANCH"),
        ("unknown-warehouse", "ICESPEC_WAREHOUSE"),
    ],
)
def test_bad_nessie_settings_name_the_variable_and_change_nothing(
    nessie_server: IcebergRestServer, monkeypatch: pytest.MonkeyPatch, capsys, case: str, variable: str
):
    env = {
        "unreachable": nessie_env(
            nessie_server, ICESPEC_NESSIE_URI=f"http://127.0.0.1:{_free_port()}/iceberg"
        ),
        "not-iceberg-rest": nessie_env(nessie_server, ICESPEC_NESSIE_URI=f"{nessie_server.root_url}/api/v2"),
        "missing-branch": nessie_env(nessie_server, branch="release-9"),
        "unknown-warehouse": nessie_env(nessie_server, ICESPEC_WAREHOUSE="lake"),
    }[case]
    _set_env(monkeypatch, env)
    start = len(nessie_server.requests)

    assert main(["--templates", str(REPO / "table-templates"), "apply"]) == 1

    err = capsys.readouterr().err
    assert f"{variable}=" in err and "Traceback" not in err
    assert not [r for r in nessie_server.requests[start:] if r.method in ("POST", "DELETE")]


def test_unreachable_nessie_from_the_installed_command(nessie_server: IcebergRestServer, tmp_path: Path):
    env = nessie_env(nessie_server, ICESPEC_NESSIE_URI=f"http://127.0.0.1:{_free_port()}/iceberg")
    run = subprocess.run(
        [sys.executable, "-m", "icespec", "--templates", str(REPO / "table-templates"), "plan"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "ICESPEC_NESSIE_URI='http://127.0.0.1:" in run.stderr and "could not connect" in run.stderr
    assert "Traceback" not in run.stderr


def test_namespace_and_table_calls_icespec_does_not_make_itself(
    nessie_server: IcebergRestServer, namespace: str
):
    catalog = open_catalog(Settings.from_env(nessie_env(nessie_server)))
    spec = _items_spec(namespace)
    apply_specs([spec], catalog)
    assert catalog.namespace_exists(namespace) and (namespace,) in catalog.list_namespaces()
    assert catalog.load_namespace_properties(namespace) == {"exists": "true"}
    assert catalog.list_tables(namespace) == [spec.identifier]
    assert catalog.table_exists(spec.identifier)
    with pytest.raises(NamespaceNotEmptyError):
        catalog.drop_namespace(namespace)

    catalog.rename_table(spec.identifier, (namespace, "renamed"))
    catalog.drop_table((namespace, "renamed"))
    assert not catalog.table_exists((namespace, "renamed")) and catalog.list_tables(namespace) == []
    with pytest.raises(NoSuchTableError):
        catalog.drop_table((namespace, "renamed"))
    catalog.drop_namespace(namespace)
    assert not catalog.namespace_exists(namespace)
    assert not nessie_server.catalogs["main"].namespace_exists(namespace)


def test_an_upsert_whose_plan_went_stale_is_planned_again_and_duplicates_no_key(
    nessie_server: IcebergRestServer, namespace: str
):
    """The stale-plan race: another writer commits a row with key 7 between our upsert's plan
    (7 is new: insert) and its commit. pyiceberg's retry validates the plan (serializable isolation:
    a file added meanwhile conflicts) and raises ValidationException; the writer plans again, finds 7
    and replaces it, so the key is never duplicated."""
    settings, _, spec, table = _items_table(nessie_server, namespace)

    def another_writer_inserts_the_same_key(branch_catalog) -> None:
        branch_catalog.load_table(spec.identifier).append(_items([7], "theirs").cast(arrow_schema(spec)))

    nessie_server.on_next_commit(spec.identifier, another_writer_inserts_the_same_key)
    start = len(nessie_server.requests)
    result = write_table(table, spec, _items([2, 7], "mine"), "upsert")

    commits = [r for r in nessie_server.requests[start:] if r.route == "commit_table"]
    assert [r.status for r in commits] == [409, 200]  # the stale commit was refused, the re-plan landed
    assert result.replans == 1 and (result.rows_updated, result.rows_inserted) == (2, 0)
    rows = open_catalog(settings).load_table(spec.identifier).scan().to_arrow().sort_by("id").to_pylist()
    assert [(r["id"], r["label"]) for r in rows] == [(1, "old1"), (2, "mine2"), (7, "mine7")]


def test_a_replan_after_the_table_evolved_writes_the_batch_in_the_new_layout(
    nessie_server: IcebergRestServer, namespace: str
):
    """While an upsert is in flight, `apply` adds a partition field and another writer appends: the
    upsert's plan is stale, and its next plan writes the files under the table's new partition spec."""
    settings, _, spec, table = _items_table(nessie_server, namespace)
    evolved = parse_spec(
        f"name: items\nnamespace: {namespace}\n"
        + ITEMS.replace(
            "  - {column: day, transform: day}\n",
            "  - {column: day, transform: day}\n  - {column: id, transform: 'bucket[2]'}\n",
        ),
        filename="items.yaml",
    )
    old_spec_id = table.spec().spec_id

    def evolve_and_append(branch_catalog) -> None:
        apply_specs([evolved], branch_catalog)
        branch_catalog.load_table(spec.identifier).append(_items([9], "theirs").cast(arrow_schema(spec)))

    nessie_server.on_next_commit(spec.identifier, evolve_and_append)
    result = write_table(
        table, evolved, _items([2, 3], "mine"), "upsert"
    )  # the new partition field is pending
    assert result.replans == 1
    after = open_catalog(settings).load_table(spec.identifier)
    assert after.spec().spec_id != old_spec_id
    mine = [t.file for t in after.scan().plan_files() if t.file.spec_id == after.spec().spec_id]
    assert sum(f.record_count for f in mine) >= 2  # the batch went into files of the new spec
    rows = after.scan().to_arrow().sort_by("id").to_pylist()
    assert [(r["id"], r["label"]) for r in rows] == [(1, "old1"), (2, "mine2"), (3, "mine3"), (9, "theirs9")]


def test_a_write_never_lands_on_a_schema_that_changed_under_it(
    nessie_server: IcebergRestServer, namespace: str
):
    """While an append is in flight, `apply --rewrite-incompatible` retypes a required column. The
    append's files hold the old column, so re-basing it onto the new schema would leave files no
    reader can resolve; its schema requirement refuses that, and its next plan finds the writer's
    template stale: nothing written, the table readable with every converted value."""
    settings = Settings.from_env(nessie_env(nessie_server))
    catalog = open_catalog(settings)
    body = "columns:\n  - {name: id, type: long, required: true, access_level: public}\n" \
           "  - {name: code, type: string, required: true, access_level: public}\n"  # fmt: skip
    spec = parse_spec(f"name: codes\nnamespace: {namespace}\n{body}", filename="codes.yaml")
    retyped = parse_spec(
        f"name: codes\nnamespace: {namespace}\n{body.replace('code, type: string', 'code, type: long')}",
        filename="codes.yaml",
    )
    apply_specs([spec], catalog)
    table = catalog.load_table(spec.identifier)
    write_table(table, spec, pa.table({"id": pa.array([1, 2], pa.int64()), "code": ["1", "2"]}), "append")

    nessie_server.on_next_commit(
        spec.identifier, lambda other: apply_specs([retyped], other, rewrite_incompatible=True)
    )
    with pytest.raises(
        WriteError, match=r"does not match its template \(change type of 'code' long -> string"
    ):
        write_table(table, spec, pa.table({"id": pa.array([3], pa.int64()), "code": ["3"]}), "append")
    rows = open_catalog(settings).load_table(spec.identifier).scan().to_arrow().sort_by("id").to_pylist()
    assert rows == [{"id": 1, "code": 1}, {"id": 2, "code": 2}]


def test_a_rewrite_whose_commit_answer_is_lost_keeps_its_files(
    nessie_server: IcebergRestServer, namespace: str
):
    """`apply --rewrite-incompatible` commits, but the answer is lost (504: state unknown). The files
    the rewrite wrote may now be the table's, so they are kept: the table stays readable."""
    from pyiceberg.exceptions import CommitStateUnknownException

    settings = Settings.from_env(nessie_env(nessie_server))
    catalog = open_catalog(settings)
    body = "columns:\n  - {name: id, type: long, required: true, access_level: public}\n" \
           "  - {name: code, type: string, required: true, access_level: public}\n"  # fmt: skip
    spec = parse_spec(f"name: codes\nnamespace: {namespace}\n{body}", filename="codes.yaml")
    apply_specs([spec], catalog)
    write_table(catalog.load_table(spec.identifier), spec,
                pa.table({"id": pa.array([1, 2], pa.int64()), "code": ["10", "20"]}), "append")  # fmt: skip
    retyped = parse_spec(
        f"name: codes\nnamespace: {namespace}\n{body.replace('code, type: string', 'code, type: long')}",
        filename="codes.yaml",
    )
    nessie_server.lose_next_response(spec.identifier)
    with pytest.raises(CommitStateUnknownException):
        apply_specs([retyped], catalog, rewrite_incompatible=True)
    rows = open_catalog(settings).load_table(spec.identifier).scan().to_arrow().sort_by("id").to_pylist()
    assert rows == [{"id": 1, "code": 10}, {"id": 2, "code": 20}]  # committed, and every file is there
