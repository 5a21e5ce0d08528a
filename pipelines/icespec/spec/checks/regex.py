"""`regex: '^[A-Z]{3}$'`: every non-null value of a string column matches (a search, as Soda's)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from icespec.spec.checks.base import ColumnCheck, SampleDomain, SqlDialect, type_name
from icespec.spec.types import IcebergType


class Regex(ColumnCheck):
    key = "regex"
    schema: ClassVar[dict[str, Any]] = {"type": "string", "minLength": 1}
    value_text = "a regular expression"
    example = "^[A-Z]{3}$"
    columns_text = "a string column"

    def applies_to(self, iceberg_type: IcebergType) -> bool:
        return type_name(iceberg_type) == "string"

    def value_problems(self, value: Any, checks: Mapping[str, Any]) -> list[str]:
        try:
            re.compile(value)
        except re.error as exc:
            return [f"regex does not compile: {exc}"]
        return []

    def rule(self, value: Any) -> str:
        return f"matches /{value}/"

    def soda_validity(self, value: Any) -> tuple[str, Any]:
        return "valid regex", value

    def violated(self, path: str, value: Any, dialect: SqlDialect) -> str:
        return f"NOT {dialect.regex_matches(path, value)}"

    def narrow(self, domain: SampleDomain, value: Any) -> SampleDomain:
        return dataclasses.replace(domain, pattern=value)


CHECK = Regex()
