"""The column check kinds: what a template may declare under a column's `checks:`, by key.

Each kind is one module (`base.ColumnCheck`: its JSON Schema fragment, the columns it applies to,
its value rules, its wording, its SodaCL and its sample hint); this registry is the one list of
them. The template schema, `icespec validate`, the generated SodaCL, the examples' sample data and
the docs' table all read it: adding a kind is its module plus one line here (docs/extending.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from icespec.spec.checks import accepted_values, bounds, max_length, regex
from icespec.spec.checks.base import ColumnCheck, SampleDomain, SqlDialect

COLUMN_CHECKS: dict[str, ColumnCheck] = {
    check.key: check
    for check in (
        accepted_values.CHECK,
        bounds.MIN,
        bounds.MAX,
        regex.CHECK,
        max_length.CHECK,
    )
}

__all__ = ["COLUMN_CHECKS", "ColumnCheck", "SampleDomain", "SqlDialect", "sample_domain", "schema_fragment"]


def schema_fragment() -> dict[str, Any]:
    """The template schema's `column_checks` definition: one property per kind."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {key: dict(check.schema) for key, check in COLUMN_CHECKS.items()},
    }


def sample_domain(checks: Mapping[str, Any], domain: SampleDomain | None = None) -> SampleDomain:
    """The sample values a column's checks allow."""
    domain = domain or SampleDomain()
    for key, value in checks.items():
        if key in COLUMN_CHECKS:
            domain = COLUMN_CHECKS[key].narrow(domain, value)
    return domain


def markdown_table() -> str:
    """The docs' table of column checks (docs/quality.md), from the registry."""
    lines = ["| key | value | on | SodaCL (top-level column) | example |", "|---|---|---|---|---|"]
    for key, check in COLUMN_CHECKS.items():
        validity, _ = check.soda_validity(check.example)
        lines.append(
            f"| `{key}` | {check.value_text} | {check.columns_text} | `invalid_count(col) = 0` with "
            f'`{validity}` | `{key}: {json.dumps(check.example)}`: "col {check.rule(check.example)}" |'
        )
    return "\n".join(lines) + "\n"
