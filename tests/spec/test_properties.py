"""Property-based tests: random valid specs survive spec → Iceberg → Arrow; random edits never crash."""

from __future__ import annotations

import contextlib
import json

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyiceberg.schema import Schema
from pyiceberg.types import ListType, MapType, NestedField, StructType

from icespec.schema import arrow_schema, iceberg_schema, inspect_document
from icespec.spec import SpecError, parse_spec, read_template
from icespec.spec.types import PRIMITIVES, canonical_type, parse_type

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
PRIMITIVE_TYPES = st.one_of(
    st.sampled_from(PRIMITIVES),
    st.builds(lambda p, s: f"decimal({p}, {min(s, p)})", st.integers(1, 38), st.integers(0, 38)),
    st.builds(lambda n: f"fixed[{n}]", st.integers(1, 64)),
)


def unique_names(min_size: int, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(NAMES, min_size=min_size, max_size=max_size, unique_by=str.lower)


TYPES = st.recursive(
    PRIMITIVE_TYPES,
    lambda inner: st.one_of(
        st.builds(lambda t: f"list<{t}>", inner),
        st.builds(lambda k, v: f"map<{k}, {v}>", PRIMITIVE_TYPES, inner),
        st.builds(
            lambda names, types: (
                "struct<" + ", ".join(f"{n}: {t}" for n, t in zip(names, types, strict=False)) + ">"
            ),
            unique_names(1, 3),
            st.lists(inner, min_size=3, max_size=3),
        ),
    ),
    max_leaves=6,
)


@st.composite
def columns(draw, depth: int = 0) -> list[dict]:
    result = []
    for name in draw(unique_names(1, 4 if depth else 6)):
        column: dict = {
            "name": name,
            "required": draw(st.booleans()),
            "description": draw(st.text(st.characters(categories=["L", "N", "P", "Zs"]), max_size=12)),
            "access_level": draw(st.sampled_from(["internal", "restricted"])),
            "pii": draw(st.booleans()),
        }
        if depth < 2 and draw(st.integers(0, 5)) == 0:
            column["fields"] = draw(columns(depth + 1))
        else:
            column["type"] = draw(TYPES)
        result.append(column)
    return result


@st.composite
def templates(draw) -> tuple[str, dict]:
    cols = draw(columns())
    data = {
        "name": "random_table",
        "namespace": "props",
        "columns": cols,
        "properties": {"format-version": 3},
    }
    keys = [
        c["name"]
        for c in cols
        if c.get("required")
        and c.get("type", "").split("(")[0] not in ("float", "double")
        and parse_is_primitive(c.get("type"))
    ]
    if keys and draw(st.booleans()):
        data["identifier_fields"] = keys[:1]
    return json.dumps(data, ensure_ascii=False), data  # JSON is YAML


def parse_is_primitive(text: str | None) -> bool:
    return bool(text) and not text.startswith(("list", "map", "struct"))


def assert_arrow_matches_iceberg(
    arrow_fields: list[pa.Field], iceberg_fields: tuple[NestedField, ...]
) -> None:
    assert [f.name for f in arrow_fields] == [f.name for f in iceberg_fields]
    for arrow_field, field in zip(arrow_fields, iceberg_fields, strict=True):
        assert int(arrow_field.metadata[b"PARQUET:field_id"]) == field.field_id
        assert arrow_field.nullable == (not field.required)
        assert_arrow_type_matches(arrow_field.type, field.field_type)


def assert_arrow_type_matches(arrow_type: pa.DataType, iceberg_type) -> None:
    if isinstance(iceberg_type, StructType):
        assert pa.types.is_struct(arrow_type)
        assert_arrow_matches_iceberg(list(arrow_type), iceberg_type.fields)
    elif isinstance(iceberg_type, ListType):
        assert pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)
        assert_arrow_matches_iceberg([arrow_type.value_field], (iceberg_type.element_field,))
    elif isinstance(iceberg_type, MapType):
        assert pa.types.is_map(arrow_type)
        assert_arrow_matches_iceberg(
            [arrow_type.key_field, arrow_type.item_field], (iceberg_type.key_field, iceberg_type.value_field)
        )


def all_field_ids(schema: Schema) -> list[int]:
    return [f.field_id for f in schema._lazy_id_to_field.values()]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates())
def test_random_valid_specs_survive_spec_iceberg_arrow(template):
    text, _data = template
    spec = parse_spec(text, "random_table.yaml")
    schema = iceberg_schema(spec)
    # names, order, nullability and types of the top level
    for column, field in zip(spec.columns, schema.fields, strict=True):
        assert field.name == column.name
        assert field.required == column.required
        if column.fields is None:
            assert str(parse_type(column.type)).replace(" ", "") == canonical_type(column.type)
    # ids: unique, dense from 1, and carried into Arrow metadata all the way down
    ids = all_field_ids(schema)
    assert sorted(ids) == list(range(1, len(ids) + 1))
    assert_arrow_matches_iceberg(list(arrow_schema(spec, schema)), schema.fields)
    assert [schema.find_column_name(i) for i in schema.identifier_field_ids] == list(spec.identifier_fields)
    # the normalized form is stable: normalizing it again changes nothing
    assert (
        parse_spec(json.dumps(spec.to_dict(), ensure_ascii=False), "random_table.yaml").to_dict()
        == spec.to_dict()
    )


VALID_TEXT = """\
name: mutated
namespace: props
columns:
  - {name: id, type: long, required: true, access_level: public}
  - {name: ts, type: timestamptz, required: true}
  - {name: amount, type: "decimal(18,2)", checks: {min: 0}}
  - name: address
    fields:
      - {name: country, type: string, required: true}
      - {name: tags, type: "map<string, list<int>>"}
identifier_fields: [id]
partition_spec:
  - {column: ts, transform: day}
  - {column: id, transform: "bucket[8]"}
sort_order:
  - {column: ts, direction: desc}
properties: {write_format: parquet}
freshness: {column: ts, fail_after: 1d}
"""

EDITS = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, len(VALID_TEXT) - 1), st.integers(1, 12)),
    st.tuples(st.just("insert"), st.integers(0, len(VALID_TEXT)), st.text(min_size=1, max_size=6)),
    st.tuples(
        st.just("replace_word"),
        st.integers(0, 60),
        st.sampled_from(
            [
                "",
                "-",
                "[]",
                "{}",
                "null",
                "true",
                "7",
                "struct",
                "list<",
                "day",
                "'x'",
                ": :",
                "&a",
                "*a",
                "!!binary",
            ]
        ),
    ),
)


def apply_edit(text: str, edit) -> str:
    kind, where, what = edit
    if kind == "delete":
        return text[:where] + text[where + what :]
    if kind == "insert":
        return text[:where] + what + text[where:]
    words = text.split(" ")
    words[where % len(words)] = what
    return " ".join(words)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDITS, min_size=1, max_size=3))
def test_random_edits_never_raise_anything_but_validation_errors(edits):
    text = VALID_TEXT
    for edit in edits:
        text = apply_edit(text, edit)
    spec, problems = read_template("mutated.yaml", text)
    assert (spec is None) == bool(problems)
    if spec is not None:
        inspect_document(spec)  # whatever validates must also build
    for problem in problems:
        assert problem.path == "mutated.yaml" and problem.line >= 1 and problem.column >= 1
    with contextlib.suppress(SpecError):
        parse_spec(text, "mutated.yaml")
