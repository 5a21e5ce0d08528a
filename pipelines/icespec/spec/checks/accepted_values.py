"""`accepted_values: [a, b, c]`: every non-null value is one of the list."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from icespec.spec.checks.base import ColumnCheck, SampleDomain, SqlDialect, type_name
from icespec.spec.types import IcebergType


class AcceptedValues(ColumnCheck):
    key = "accepted_values"
    schema: ClassVar[dict[str, Any]] = {
        "type": "array",
        "minItems": 1,
        "items": {"type": ["string", "number", "boolean"]},
    }
    value_text = "a list of values"
    example: ClassVar[Any] = ["EUR", "USD"]
    columns_text = "a primitive column"

    def applies_to(self, iceberg_type: IcebergType) -> bool:
        return type_name(iceberg_type) is not None

    def rule(self, value: Any) -> str:
        return f"is one of {', '.join(map(str, value))}"

    def soda_validity(self, value: Any) -> tuple[str, Any]:
        return "valid values", list(value)

    def violated(self, path: str, value: Any, dialect: SqlDialect) -> str:
        return f"{path} NOT IN ({', '.join(dialect.literal(v) for v in value)})"

    def narrow(self, domain: SampleDomain, value: Any) -> SampleDomain:
        return dataclasses.replace(domain, choices=tuple(value))


CHECK = AcceptedValues()
