"""`min: 0` and `max: 100`: every non-null value of a numeric column is within the bound."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, ClassVar

from icespec.spec.checks.base import NUMERIC_TYPES, ColumnCheck, SampleDomain, SqlDialect, type_name
from icespec.spec.types import IcebergType


def _finite(value: Any) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value))


class _Bound(ColumnCheck):
    schema: ClassVar[dict[str, Any]] = {"type": "number"}
    value_text = "a number"
    columns_text = f"a numeric column ({', '.join(NUMERIC_TYPES)})"

    def applies_to(self, iceberg_type: IcebergType) -> bool:
        return type_name(iceberg_type) in NUMERIC_TYPES

    def value_problems(self, value: Any, checks: Mapping[str, Any]) -> list[str]:
        if not _finite(value):
            return [f"{self.key} must be a finite number, not {value}"]
        return []


class Min(_Bound):
    key = "min"
    example = 0

    def value_problems(self, value: Any, checks: Mapping[str, Any]) -> list[str]:
        problems = super().value_problems(value, checks)
        high = checks.get("max")
        numbers = all(isinstance(v, int | float) and _finite(v) for v in (value, high))
        if not problems and numbers and value > high:
            problems.append(f"min {value} is greater than max {high}")
        return problems

    def rule(self, value: Any) -> str:
        return f"is at least {value}"

    def soda_validity(self, value: Any) -> tuple[str, Any]:
        return "valid min", value

    def violated(self, path: str, value: Any, dialect: SqlDialect) -> str:
        return f"{path} < {dialect.literal(value)}"

    def narrow(self, domain: SampleDomain, value: Any) -> SampleDomain:
        return dataclasses.replace(domain, low=float(value))


class Max(_Bound):
    key = "max"
    example = 100

    def rule(self, value: Any) -> str:
        return f"is at most {value}"

    def soda_validity(self, value: Any) -> tuple[str, Any]:
        return "valid max", value

    def violated(self, path: str, value: Any, dialect: SqlDialect) -> str:
        return f"{path} > {dialect.literal(value)}"

    def narrow(self, domain: SampleDomain, value: Any) -> SampleDomain:
        return dataclasses.replace(domain, high=float(value))


MIN = Min()
MAX = Max()
