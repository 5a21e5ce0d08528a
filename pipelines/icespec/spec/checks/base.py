"""What a column check kind is: one template key under `checks:` and everything it means.

A kind says which values the template may give it (a JSON Schema fragment), which columns it
applies to, what a value must satisfy beyond the schema, how it reads in a check's name, how Soda
checks it (a validity key on top-level columns, an SQL condition on struct fields, which Soda
cannot name), and how it narrows the sample values the examples generate. The registry is
`icespec.spec.checks.COLUMN_CHECKS`; docs/extending.md shows how to add a kind.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Protocol

import jsonschema

from icespec.spec.types import IcebergType, PrimitiveType

NUMERIC_TYPES = ("int", "long", "float", "double", "decimal")


class SqlDialect(Protocol):
    """The SQL a query engine needs for a check on a struct field (`icespec.quality.dialects.Dialect`)."""

    def literal(self, value: Any) -> str: ...

    def regex_matches(self, expr: str, pattern: str) -> str: ...

    def length(self, expr: str) -> str: ...


@dataclass(frozen=True)
class SampleDomain:
    """The values a sample generator may draw for a column; each check kind narrows it."""

    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    pattern: str | None = None
    max_length: int | None = None


def type_name(iceberg_type: IcebergType) -> str | None:
    """The primitive's name as templates spell it (`decimal` for any decimal), None for nested types."""
    return iceberg_type.name if isinstance(iceberg_type, PrimitiveType) else None


class ColumnCheck(ABC):
    key: ClassVar[str]  # the template key under a column's `checks:`
    schema: ClassVar[dict[str, Any]]  # JSON Schema of its value (the template schema's fragment)
    value_text: ClassVar[str]  # what the value is, for the docs ("a list of values")
    columns_text: ClassVar[str]  # which columns take it, for the docs and errors ("a string column")
    example: ClassVar[Any]  # a value, for the docs

    @cached_property
    def _schema_validator(self) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator(self.schema)

    def accepts(self, value: Any) -> bool:
        """Whether `value` has the shape the kind's schema allows (the template schema reports others)."""
        return bool(self._schema_validator.is_valid(value))

    @abstractmethod
    def applies_to(self, iceberg_type: IcebergType) -> bool:
        """Whether a column of this type can carry the check."""

    def value_problems(self, value: Any, checks: Mapping[str, Any]) -> list[str]:
        """What is wrong with a value the schema accepts (a regex that does not compile, ...);
        `checks` are the column's other checks, for rules across kinds."""
        return []

    @abstractmethod
    def rule(self, value: Any) -> str:
        """The rule as the end of a sentence about the column: "is at least 0"."""

    @abstractmethod
    def soda_validity(self, value: Any) -> tuple[str, Any]:
        """Soda's validity configuration for `invalid_count(column) = 0` on a top-level column."""

    @abstractmethod
    def violated(self, path: str, value: Any, dialect: SqlDialect) -> str:
        """SQL that is true when a non-null value of `path` breaks the rule (struct fields)."""

    def narrow(self, domain: SampleDomain, value: Any) -> SampleDomain:
        """The sample values that satisfy the check too (unchanged when the kind needs no hint)."""
        return domain
