"""sample_batch gives every valid template (examples and corpus) a batch the writer accepts."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from icespec.catalogs import Settings, open_catalog
from icespec.schema import arrow_schema
from icespec.spec import load_spec
from icespec.tables.apply import apply_specs
from icespec.tables.writers import write_table
from icespec_examples.samples import sample_batch

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    p for p in (REPO_ROOT / "table-templates").glob("*.y*ml") if not p.name.startswith("_")
) + sorted(p for p in (REPO_ROOT / "tests" / "corpus" / "valid").glob("*.y*ml") if not p.name.startswith("_"))
# timestamp_ns needs an Iceberg v3 table, which pyiceberg 0.11 cannot write ("Writing V3 is not yet
# supported"): for these the batch is checked against the template's Arrow schema only.
NEEDS_ICEBERG_V3 = ("timestamp_ns", "timestamptz_ns")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory):
    return open_catalog(Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path_factory.mktemp("samples"))}))


def _map_key_types(data_type: pa.DataType) -> list[pa.DataType]:
    if pa.types.is_map(data_type):
        return [data_type.key_type, *_map_key_types(data_type.item_type)]
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        return _map_key_types(data_type.value_type)
    if pa.types.is_struct(data_type):
        return [k for field in data_type for k in _map_key_types(field.type)]
    return []


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_sample_batch_passes_the_writers_validation(catalog, path: Path) -> None:
    spec = load_spec(path)
    batch = sample_batch(spec, rows=60)
    assert batch.num_rows == 60
    assert batch.schema == arrow_schema(spec)
    for field in batch.schema:
        if not field.nullable:
            assert batch.column(field.name).null_count == 0, field.name
    if any(column.type in NEEDS_ICEBERG_V3 for column in spec.columns):
        return
    apply_specs([spec], catalog)
    table = catalog.load_table(spec.identifier)
    result = write_table(table, spec, batch, "append")  # conform(): types, required, unknown columns
    assert result.rows_written == 60
    assert table.refresh().scan().to_arrow().num_rows == 60


def test_map_keys_have_the_maps_key_type() -> None:
    """deeply_nested has map<int, ...> inside a list of structs: its keys must be ints, and distinct."""
    spec = load_spec(REPO_ROOT / "tests" / "corpus" / "valid" / "deeply_nested.yaml")
    batch = sample_batch(spec, rows=80)
    assert pa.int32() in _map_key_types(batch.schema.field("payload").type)
    keys = [
        key
        for payload in batch.column("payload").to_pylist()
        for _, entries in (payload or [])
        for entry in entries
        if entry and entry["v"]
        for key, _ in entry["v"]
    ]
    assert keys and all(isinstance(key, int) for key in keys)
    for payload in batch.column("payload").to_pylist():
        for _, entries in payload or []:
            for entry in entries:
                if entry and entry["v"]:
                    inner = [key for key, _ in entry["v"]]
                    assert len(inner) == len(set(inner))
