"""`max_length: 32`: every non-null value of a string column has at most that many characters."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from icespec.spec.checks.base import ColumnCheck, SampleDomain, SqlDialect, type_name
from icespec.spec.types import IcebergType


class MaxLength(ColumnCheck):
    key = "max_length"
    schema: ClassVar[dict[str, Any]] = {"type": "integer", "minimum": 1}
    value_text = "a whole number of at least 1"
    example = 32
    columns_text = "a string column"

    def applies_to(self, iceberg_type: IcebergType) -> bool:
        return type_name(iceberg_type) == "string"

    def rule(self, value: Any) -> str:
        return f"has at most {value} characters"

    def soda_validity(self, value: Any) -> tuple[str, Any]:
        return "valid max length", value

    def violated(self, path: str, value: Any, dialect: SqlDialect) -> str:
        return f"{dialect.length(path)} > {int(value)}"

    def narrow(self, domain: SampleDomain, value: Any) -> SampleDomain:
        return dataclasses.replace(domain, max_length=int(value))


CHECK = MaxLength()
