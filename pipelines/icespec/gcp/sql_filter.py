"""A row filter (pyiceberg's syntax, bound to the template's Iceberg schema) as a BigQuery SQL condition.

The same text means the same rows on every backend: the filter is parsed and bound once
(`icespec.tables.filters`), then rendered here with literals in BigQuery's own types (GoogleSQL
literals: `DATE '…'`, `DATETIME '…'` for a naive timestamp, `TIMESTAMP '… UTC'`, `NUMERIC '…'`).
A condition that is NULL for a row (a comparison with NULL) does not match it, in BigQuery as in
Iceberg's evaluation, so replace-where removes the same rows the Iceberg backends remove.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from pyiceberg import types as pi
from pyiceberg.expressions import BooleanExpression
from pyiceberg.expressions.literals import Literal
from pyiceberg.expressions.visitors import BoundBooleanExpressionVisitor, visit
from pyiceberg.schema import Schema
from pyiceberg.utils.datetime import days_to_date, micros_to_timestamp, micros_to_timestamptz

_EPOCH_TIME = dt.datetime(1970, 1, 1)


def _quote(path: str, alias: str | None) -> str:
    parts = ([alias] if alias else []) + path.split(".")
    return ".".join(f"`{p}`" for p in parts)


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def sql_literal(value: Any, field_type: pi.IcebergType) -> str:
    """An Iceberg literal value (its internal form: days, micros, ...) as a GoogleSQL literal."""
    if isinstance(field_type, pi.BooleanType):
        return "TRUE" if value else "FALSE"
    if isinstance(field_type, pi.IntegerType | pi.LongType):
        return str(int(value))
    if isinstance(field_type, pi.FloatType | pi.DoubleType):
        return f"CAST({_string(repr(float(value)))} AS FLOAT64)"
    if isinstance(field_type, pi.DecimalType):
        kind = "NUMERIC" if field_type.precision <= 29 and field_type.scale <= 9 else "BIGNUMERIC"
        return f"{kind} {_string(str(decimal.Decimal(value)))}"
    if isinstance(field_type, pi.DateType):
        return f"DATE {_string(days_to_date(value).isoformat())}"
    if isinstance(field_type, pi.TimestampType):
        return f"DATETIME {_string(micros_to_timestamp(value).isoformat(sep=' '))}"
    if isinstance(field_type, pi.TimestamptzType):
        return f"TIMESTAMP {_string(micros_to_timestamptz(value).isoformat(sep=' '))}"
    if isinstance(field_type, pi.TimeType):
        return f"TIME {_string((_EPOCH_TIME + dt.timedelta(microseconds=value)).time().isoformat())}"
    if isinstance(field_type, pi.UUIDType):
        return _string(str(value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=value)))
    if isinstance(field_type, pi.StringType):
        return _string(str(value))
    raise ValueError(f"a row filter on a {field_type} column cannot be sent to BigQuery")


class _ToSql(BoundBooleanExpressionVisitor[str]):
    def __init__(self, schema: Schema, alias: str | None):
        self.schema = schema
        self.alias = alias

    def column(self, term: Any) -> str:
        field = term.ref().field
        return _quote(self.schema.find_column_name(field.field_id) or field.name, self.alias)

    def value(self, term: Any, literal: Literal[Any] | Any) -> str:
        raw = literal.value if isinstance(literal, Literal) else literal
        return sql_literal(raw, term.ref().field.field_type)

    def visit_in(self, term: Any, literals: set[Any]) -> str:
        return f"{self.column(term)} IN ({', '.join(self.value(term, v) for v in sorted(literals))})"

    def visit_not_in(self, term: Any, literals: set[Any]) -> str:
        return f"{self.column(term)} NOT IN ({', '.join(self.value(term, v) for v in sorted(literals))})"

    def visit_is_nan(self, term: Any) -> str:
        return f"IS_NAN({self.column(term)})"

    def visit_not_nan(self, term: Any) -> str:
        return f"NOT IS_NAN({self.column(term)})"

    def visit_is_null(self, term: Any) -> str:
        return f"{self.column(term)} IS NULL"

    def visit_not_null(self, term: Any) -> str:
        return f"{self.column(term)} IS NOT NULL"

    def visit_equal(self, term: Any, literal: Any) -> str:
        return f"{self.column(term)} = {self.value(term, literal)}"

    def visit_not_equal(self, term: Any, literal: Any) -> str:
        return f"{self.column(term)} != {self.value(term, literal)}"

    def visit_greater_than_or_equal(self, term: Any, literal: Any) -> str:
        return f"{self.column(term)} >= {self.value(term, literal)}"

    def visit_greater_than(self, term: Any, literal: Any) -> str:
        return f"{self.column(term)} > {self.value(term, literal)}"

    def visit_less_than(self, term: Any, literal: Any) -> str:
        return f"{self.column(term)} < {self.value(term, literal)}"

    def visit_less_than_or_equal(self, term: Any, literal: Any) -> str:
        return f"{self.column(term)} <= {self.value(term, literal)}"

    def visit_starts_with(self, term: Any, literal: Any) -> str:
        return f"STARTS_WITH({self.column(term)}, {_string(str(literal.value))})"

    def visit_not_starts_with(self, term: Any, literal: Any) -> str:
        return f"NOT STARTS_WITH({self.column(term)}, {_string(str(literal.value))})"

    def visit_true(self) -> str:
        return "TRUE"

    def visit_false(self) -> str:
        return "FALSE"

    def visit_not(self, child_result: str) -> str:
        return f"NOT ({child_result})"

    def visit_and(self, left_result: str, right_result: str) -> str:
        return f"({left_result}) AND ({right_result})"

    def visit_or(self, left_result: str, right_result: str) -> str:
        return f"({left_result}) OR ({right_result})"


def to_sql(bound: BooleanExpression, schema: Schema, alias: str | None = None) -> str:
    """The bound filter as a GoogleSQL condition on columns of `alias` (or unqualified)."""
    return visit(bound, _ToSql(schema, alias))
