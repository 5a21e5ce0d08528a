"""Row filters: pyiceberg's row-filter syntax for replace-where, and the one day-range filter.

`--where "EXPR"` is parsed by pyiceberg's own parser (`pyiceberg.expressions.parser`) and bound to
the table's schema, so a misspelt column or a literal of the wrong type is an error before anything
is read. The same bound expression prunes files (pyiceberg's scan planning) and is evaluated on
Arrow data, so "rows matching EXPR" means the same thing everywhere: exactly the rows pyiceberg's
own `Transaction.delete(EXPR)` removes. It keeps a row for which `NOT EXPR` is TRUE, or in which a
column EXPR compares is NULL (or NaN, for a float) unless EXPR asks about that column's NULLs
(`x is null`) or NaNs; every other row matches. So `s not in ('a')` never matches a row whose `s`
is NULL (Arrow's `is_in` says FALSE for NULL, so its plain negation would say TRUE).

A day of a Dagster daily partition is `column >= start AND column < end`, with literals written in
the column's own type: a date column gets `'2024-05-01'`, a naive timestamp `'2024-05-01T00:00:00'`
and a timestamptz `'2024-05-01T00:00:00+00:00'` (pyiceberg refuses a zone on a naive column).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from pyiceberg import types as pi
from pyiceberg.expressions import BooleanExpression, parser
from pyiceberg.expressions.visitors import BoundBooleanExpressionVisitor, bind, visit
from pyiceberg.io.pyarrow import expression_to_pyarrow

from icespec.errors import WriteError

if TYPE_CHECKING:
    from pyiceberg.schema import Schema


class RowFilterError(WriteError):
    """The expression does not parse or does not fit the table; the message says which part."""


class _Terms(BoundBooleanExpressionVisitor[None]):
    """Field ids the filter mentions, and those it asks IS [NOT] NULL or IS [NOT] NaN about (the
    categories of pyiceberg's `_NullNaNUnmentionedTermsCollector`, which decides what a delete keeps)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.null_checked: set[int] = set()
        self.nan_checked: set[int] = set()

    def _mention(self, term: Any, *_: Any, **__: Any) -> None:
        self.seen.add(term.ref().field.field_id)

    def _null(self, term: Any, *_: Any, **__: Any) -> None:
        self._mention(term)
        self.null_checked.add(term.ref().field.field_id)

    def _nan(self, term: Any, *_: Any, **__: Any) -> None:
        self._mention(term)
        self.nan_checked.add(term.ref().field.field_id)

    visit_in = visit_not_in = visit_equal = visit_not_equal = _mention
    visit_greater_than_or_equal = visit_greater_than = visit_less_than = visit_less_than_or_equal = _mention
    visit_starts_with = visit_not_starts_with = _mention
    visit_is_null = visit_not_null = _null
    visit_is_nan = visit_not_nan = _nan

    def visit_true(self) -> None:
        return None

    def visit_false(self) -> None:
        return None

    def visit_not(self, child_result: None) -> None:
        return None

    def visit_and(self, left_result: None, right_result: None) -> None:
        return None

    def visit_or(self, left_result: None, right_result: None) -> None:
        return None


@dataclass(frozen=True)
class RowFilter:
    """A parsed and bound row filter, with the text the user gave (for messages)."""

    text: str
    unbound: BooleanExpression
    bound: BooleanExpression
    schema: Schema

    @property
    def columns(self) -> tuple[str, ...]:
        """Top-level columns the filter reads (enough to evaluate it on a file); a constant filter
        (`true`) reads the first column, only to count the rows."""
        from pyiceberg.expressions.visitors import extract_field_ids

        names = {self.schema.find_column_name(i) or "" for i in extract_field_ids(self.bound)}
        tops = sorted({name.split(".")[0] for name in names if name})
        return tuple(tops) or (self.schema.fields[0].name,)

    def _column_name(self, field_id: int) -> str:
        name = self.schema.find_column_name(field_id)
        if name is None:  # a bound filter names fields of this schema only
            raise RowFilterError(
                f"row filter {self.text!r}: field id {field_id} is not in the table's schema"
            )
        return name

    def _terms(self) -> _Terms:
        terms = _Terms()
        visit(self.bound, terms)
        return terms

    @property
    def null_guarded(self) -> tuple[str, ...]:
        """Columns (dotted paths) that must not be NULL for a row to match (see the module docstring)."""
        terms = self._terms()
        return tuple(sorted(self._column_name(i) for i in terms.seen - terms.null_checked))

    @property
    def nan_guarded(self) -> tuple[str, ...]:
        """Floating-point columns that must not be NaN for a row to match (pyiceberg's delete rule too)."""
        terms = self._terms()
        floats = {
            i
            for i in terms.seen - terms.nan_checked
            if isinstance(self.schema.find_field(i).field_type, pi.FloatType | pi.DoubleType)
        }
        return tuple(sorted(self._column_name(i) for i in floats))

    def matches(self, rows: pa.Table) -> pa.ChunkedArray:
        """Boolean per row: the rows pyiceberg's own delete with this filter would remove.

        That delete keeps the rows for which `NOT expr OR <a compared column IS NULL> OR <a compared
        float column IS NaN>` is TRUE (`_expression_to_complementary_pyarrow`); every other row goes."""
        if rows.num_rows == 0:
            return pa.chunked_array([], pa.bool_())
        keep = ~expression_to_pyarrow(self.bound, self.schema)
        for path in self.null_guarded:
            keep = keep | pc.field(*path.split(".")).is_null()
        for path in self.nan_guarded:
            keep = keep | pc.is_nan(pc.field(*path.split(".")))
        projected = ds.dataset(rows).to_table(columns={"__keep": keep})
        return pc.invert(pc.fill_null(projected.column("__keep"), False))

    def count_outside(self, rows: pa.Table) -> tuple[int, int | None]:
        """(rows for which the filter does not hold, index of the first such row)."""
        outside = pc.invert(self.matches(rows))
        count = pc.sum(outside).as_py() or 0
        first = pc.index(outside, True).as_py() if count else None
        return count, first


def parse_write_filter(table: str, text: str, schema: Schema) -> RowFilter:
    """A write's replace-where filter: as `parse_row_filter`, the message naming the table and that
    nothing was written (every backend's writes)."""
    try:
        return parse_row_filter(text, schema)
    except RowFilterError as exc:
        raise RowFilterError(f"{table}: {exc}; nothing was written") from None


def parse_row_filter(text: str, schema: Schema) -> RowFilter:
    """`text` in pyiceberg's row-filter syntax, bound to `schema` (RowFilterError says what is wrong)."""
    if not text or not text.strip():
        raise RowFilterError("the row filter is empty; give an expression such as \"day = '2024-05-01'\"")
    try:
        unbound = parser.parse(text)
    except Exception as exc:  # pyparsing's ParseException, or a literal pyiceberg rejects
        column = getattr(exc, "col", None)  # pyparsing's expectation list is too long to show
        where = f"at character {column}" if column else " ".join(str(exc).split())[:120]
        raise RowFilterError(
            f"cannot parse row filter {text!r} ({where}); use pyiceberg's row-filter syntax, e.g. "
            "\"event_ts >= '2024-05-01T00:00:00+00:00' and status in ('paid', 'shipped')\""
        ) from None
    try:
        bound = bind(schema, unbound, case_sensitive=True)
    except Exception as exc:  # ValueError (unknown column), TypeError (literal of another type)
        reason = " ".join(str(exc).split())
        raise RowFilterError(f"row filter {text!r} does not fit the table: {reason}") from None
    terms = _Terms()
    visit(bound, terms)
    for field_id in terms.seen - terms.null_checked:
        if isinstance(schema.find_field(field_id).field_type, pi.UUIDType):
            raise RowFilterError(
                f"row filter {text!r} compares the uuid column '{schema.find_column_name(field_id)}', which "
                "pyarrow cannot compare (only `is null` / `is not null` work on it); filter on another column"
            )
    return RowFilter(text, unbound, bound, schema)


def _literal(value: dt.date, field_type: pi.IcebergType) -> str:
    midnight = dt.datetime.combine(value, dt.time())
    if isinstance(field_type, pi.DateType):
        return value.isoformat()
    if isinstance(field_type, pi.TimestampType | pi.TimestampNanoType):
        return midnight.isoformat()
    if isinstance(field_type, pi.TimestamptzType | pi.TimestamptzNanoType):
        return midnight.replace(tzinfo=dt.UTC).isoformat()
    raise RowFilterError(f"a day range needs a date or timestamp column, not {field_type}")


def day_range_text(column: str, field_type: pi.IcebergType, first: dt.date, end: dt.date) -> str:
    """The filter `first <= column < end` (whole UTC days), in pyiceberg's syntax."""
    quoted = ".".join(f'"{part}"' for part in column.split("."))
    return f"{quoted} >= '{_literal(first, field_type)}' and {quoted} < '{_literal(end, field_type)}'"
