"""Adding a column check kind is one module plus one registry line (docs/extending.md).

`min_length` is defined in this test module and registered with one line; the template schema,
`validate`'s type rule, the generated SodaCL (top-level and struct fields), Soda's own evaluation
in DuckDB and the sample hint all follow. Soda, not icespec, decides which rows fail.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pyarrow as pa
import pytest

from icespec.quality import build_suite, scan_arrow
from icespec.quality.sodacl import CHECK_KINDS
from icespec.schema import arrow_schema
from icespec.spec import SpecError, parse_spec
from icespec.spec.checks import COLUMN_CHECKS, ColumnCheck, SampleDomain, SqlDialect, sample_domain
from icespec.spec.checks.base import type_name
from icespec.spec.loader import _validator, template_schema


class MinLength(ColumnCheck):
    """A kind of this test module: strings of at least N characters."""

    key = "min_length"
    schema: ClassVar[dict[str, Any]] = {"type": "integer", "minimum": 1}
    value_text = "a whole number of at least 1"
    columns_text = "a string column"
    example = 3

    def applies_to(self, iceberg_type: Any) -> bool:
        return type_name(iceberg_type) == "string"

    def rule(self, value: Any) -> str:
        return f"has at least {value} characters"

    def soda_validity(self, value: Any) -> tuple[str, Any]:
        return "valid min length", value

    def violated(self, path: str, value: Any, dialect: SqlDialect) -> str:
        return f"{dialect.length(path)} < {int(value)}"

    def narrow(self, domain: SampleDomain, value: Any) -> SampleDomain:
        return dataclasses.replace(domain, pattern=f".{{{int(value)},}}")


TEMPLATE = """name: codes
namespace: qa
columns:
  - name: code
    type: string
    checks: {min_length: 3}
  - name: box
    fields:
      - name: label
        type: string
        checks: {min_length: 2}
"""


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(COLUMN_CHECKS, "min_length", MinLength())  # the one registry line
    template_schema.cache_clear()  # the schema is composed from the registry when first loaded
    _validator.cache_clear()
    yield
    template_schema.cache_clear()
    _validator.cache_clear()


def test_an_unregistered_kind_is_refused_by_the_schema():
    template_schema.cache_clear()
    _validator.cache_clear()
    with pytest.raises(SpecError, match="min_length"):
        parse_spec(TEMPLATE, "codes.yaml")


def test_one_registered_kind_is_validated_generated_and_evaluated_by_soda(registered):
    assert template_schema()["$defs"]["column_checks"]["properties"]["min_length"] == MinLength.schema
    with pytest.raises(SpecError) as refused:
        parse_spec(TEMPLATE.replace("type: string\n    checks", "type: long\n    checks"), "codes.yaml")
    assert "codes.yaml:6:" in str(refused.value) and "'min_length' needs a string column, not long" in str(
        refused.value
    )
    spec = parse_spec(TEMPLATE, "codes.yaml")
    suite = build_suite(spec)
    generated = {c.key: c for c in suite.checks}
    assert generated["min_length_code"].name == "code has at least 3 characters"
    assert generated["min_length_box_label"].entry == {
        "failed rows": {
            "name": "box.label has at least 2 characters",
            "fail condition": "box.label IS NOT NULL AND length(box.label) < 2",
        }
    }
    rows = [
        {"code": "abc", "box": {"label": "ok"}},
        {"code": "ab", "box": {"label": "x"}},  # breaks both
        {"code": None, "box": None},  # nulls never count against value checks
    ]
    result = scan_arrow(spec, pa.Table.from_pylist(rows, schema=arrow_schema(spec)), suite=suite)
    top, nested = result.check("min_length_code"), result.check("min_length_box_label")
    assert (top.outcome, top.metrics["value"]) == ("fail", 1)
    assert nested.outcome == "fail"
    good = [{"code": "abcd", "box": {"label": "ok"}}]
    result = scan_arrow(spec, pa.Table.from_pylist(good, schema=arrow_schema(spec)), suite=suite)
    assert result.check("min_length_code").passed and result.check("min_length_box_label").passed
    assert sample_domain({"min_length": 4}).pattern == ".{4,}"


def test_the_builtin_kinds_are_the_registry():
    builtin = ("accepted_values", "min", "max", "regex", "max_length")  # what templates may write today
    assert tuple(COLUMN_CHECKS) == builtin
    assert ("row_count", "schema", "missing", "duplicate", *builtin, "freshness", "extra") == CHECK_KINDS
    assert tuple(template_schema()["$defs"]["column_checks"]["properties"]) == builtin


def test_the_docs_table_is_generated_from_the_registry():
    from pathlib import Path

    from icespec.spec.checks import markdown_table

    docs = (Path(__file__).resolve().parents[2] / "docs" / "quality.md").read_text()
    start, end = "<!-- check-kinds:start -->\n", "<!-- check-kinds:end -->"
    assert docs[docs.index(start) + len(start) : docs.index(end)] == markdown_table(), (
        "docs/quality.md's table of check kinds is stale: replace it with `python -m icespec.spec.checks`"
    )
