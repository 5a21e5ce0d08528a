"""Iceberg type strings: a small parser, an immutable type tree and its canonical spelling.

The spec layer keeps its own tree (instead of pyiceberg types, which need field ids) so that it
stays pure; `icespec.schema` turns it into pyiceberg types. The canonical spelling is the input
with white space removed, which Terraform's `table_spec` module reproduces with one `replace`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyiceberg import types as pyiceberg_types

from icespec.errors import IcespecError

PRIMITIVES = (
    "boolean",
    "int",
    "long",
    "float",
    "double",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "timestamp_ns",
    "timestamptz_ns",
    "string",
    "uuid",
    "binary",
)
PARAMETERIZED = ("decimal", "fixed")
NESTED = ("struct", "list", "map")
MAX_DECIMAL_PRECISION = 38
MAX_TYPE_DEPTH = 32  # list/map/struct levels in one type string (a documented limit)
MAX_INT = 2**31 - 1  # Iceberg stores fixed lengths (and transform widths) as 32-bit ints

# Names people bring from SQL, Spark or Arrow, mapped to the Iceberg spelling we accept.
FOREIGN_TYPE_NAMES = {
    "integer": "int",
    "int32": "int",
    "smallint": "int",
    "tinyint": "int",
    "bigint": "long",
    "int64": "long",
    "float32": "float",
    "real": "float",
    "float64": "double",
    "bool": "boolean",
    "str": "string",
    "text": "string",
    "varchar": "string",
    "char": "string",
    "bytes": "binary",
    "varbinary": "binary",
    "datetime": "timestamp",
    "timestamp_tz": "timestamptz",
    "timestamp_ltz": "timestamptz",
    "numeric": "decimal(P,S)",
    "array": "list<type>",
    "object": "struct<name: type, ...>",
}


class TypeSyntaxError(IcespecError, ValueError):
    """A type string that is not an Iceberg type; `offset` points into the string."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class PrimitiveType:
    name: str  # one of PRIMITIVES, or "decimal" / "fixed"
    precision: int | None = None  # decimal
    scale: int | None = None  # decimal
    length: int | None = None  # fixed

    def __str__(self) -> str:
        if self.name == "decimal":
            return f"decimal({self.precision},{self.scale})"
        if self.name == "fixed":
            return f"fixed[{self.length}]"
        return self.name


@dataclass(frozen=True)
class StructField:
    name: str
    type: IcebergType
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class StructType:
    fields: tuple[StructField, ...]

    def __str__(self) -> str:
        return "struct<" + ",".join(f"{f.name}:{f.type}" for f in self.fields) + ">"

    def field(self, name: str) -> StructField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class ListType:
    element: IcebergType
    element_required: bool = False

    def __str__(self) -> str:
        return f"list<{self.element}>"


@dataclass(frozen=True)
class MapType:
    key: IcebergType
    value: IcebergType
    value_required: bool = False

    def __str__(self) -> str:
        return f"map<{self.key},{self.value}>"


IcebergType = PrimitiveType | StructType | ListType | MapType

_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<int>\d+)|(?P<punct>[<>(),:\[\]]))")


def suggest_type(word: str) -> str | None:
    """A hint for a misspelt or foreign type name, or None."""
    if word.lower() in FOREIGN_TYPE_NAMES:
        return FOREIGN_TYPE_NAMES[word.lower()]
    if word.lower() in PRIMITIVES + PARAMETERIZED + NESTED:
        return word.lower()
    close = difflib.get_close_matches(word, PRIMITIVES + PARAMETERIZED + NESTED, n=1, cutoff=0.6)
    return close[0] if close else None


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.depth = 0  # nesting of the type being read (bounded: deep input must not exhaust the stack)
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = _TOKEN.match(text, pos)
            if not match:
                bad = text[pos:].lstrip()
                raise TypeSyntaxError(f"unexpected character {bad[0]!r} in type {text!r}", pos)
            kind = match.lastgroup or ""
            start = match.start(kind)
            self.tokens.append((kind, match.group(kind), start))
            pos = match.end()
        self.index = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            wanted = f" (expected {expected!r})" if expected else ""
            raise TypeSyntaxError(f"type {self.text!r} ends too early{wanted}", len(self.text))
        if expected is not None and token[1] != expected:
            raise TypeSyntaxError(
                f"expected {expected!r} but found {token[1]!r} in type {self.text!r}", token[2]
            )
        self.index += 1
        return token

    def integer(self, what: str) -> int:
        kind, value, offset = self.take()
        if kind != "int":
            raise TypeSyntaxError(
                f"{what} must be a whole number, found {value!r} in type {self.text!r}", offset
            )
        if len(value) > 1 and value.startswith("0"):
            raise TypeSyntaxError(f"{what} {value!r} has a leading zero in type {self.text!r}", offset)
        return int(value)

    def parse(self) -> IcebergType:
        result = self.type()
        extra = self.peek()
        if extra is not None:
            raise TypeSyntaxError(f"unexpected {extra[1]!r} after the end of type {self.text!r}", extra[2])
        return result

    def type(self) -> IcebergType:
        self.depth += 1
        try:
            if self.depth > MAX_TYPE_DEPTH:
                _, _, offset = self.peek() or ("", "", len(self.text))
                raise TypeSyntaxError(
                    f"type {self.text[:40]!r}... nests more than {MAX_TYPE_DEPTH} levels: flatten it", offset
                )
            return self._type()
        finally:
            self.depth -= 1

    def _type(self) -> IcebergType:
        kind, word, offset = self.take()
        if kind != "word":
            raise TypeSyntaxError(f"expected a type name but found {word!r} in {self.text!r}", offset)
        if word in PRIMITIVES:
            return PrimitiveType(word)
        if word == "decimal":
            self.take("(")
            precision = self.integer("decimal precision")
            self.take(",")
            scale = self.integer("decimal scale")
            self.take(")")
            if not 1 <= precision <= MAX_DECIMAL_PRECISION:
                raise TypeSyntaxError(
                    f"decimal precision {precision} is out of range: use 1 to {MAX_DECIMAL_PRECISION}", offset
                )
            if scale > precision:
                raise TypeSyntaxError(
                    f"decimal scale {scale} is larger than its precision {precision}: use a scale ≤ {precision}",
                    offset,
                )
            return PrimitiveType("decimal", precision=precision, scale=scale)
        if word == "fixed":
            self.take("[")
            length = self.integer("fixed length")
            self.take("]")
            if length < 1:
                raise TypeSyntaxError("fixed length must be at least 1", offset)
            if length > MAX_INT:
                raise TypeSyntaxError(f"fixed length {length} is too large: use at most {MAX_INT}", offset)
            return PrimitiveType("fixed", length=length)
        if word == "list":
            self.take("<")
            element = self.type()
            self.take(">")
            return ListType(element)
        if word == "map":
            self.take("<")
            key = self.type()
            self.take(",")
            value = self.type()
            self.take(">")
            return MapType(key, value)
        if word == "struct":
            self.take("<")
            fields: list[StructField] = []
            seen: dict[str, str] = {}
            while True:
                name_kind, name, name_offset = self.take()
                if name_kind != "word":
                    raise TypeSyntaxError(
                        f"expected a field name but found {name!r} in {self.text!r}", name_offset
                    )
                if name.lower() in seen:
                    raise TypeSyntaxError(
                        f"duplicate struct field {name!r} (same as {seen[name.lower()]!r} ignoring case) "
                        f"in type {self.text!r}: rename one",
                        name_offset,
                    )
                seen[name.lower()] = name
                self.take(":")
                fields.append(StructField(name, self.type()))
                if self.take()[1] == ">":
                    break
                self.index -= 1
                self.take(",")
            return StructType(tuple(fields))
        hint = suggest_type(word)
        tail = f" — did you mean '{hint}'?" if hint else ""
        raise TypeSyntaxError(f"unknown type '{word}'{tail}", offset)


def parse_type(text: str) -> IcebergType:
    """Parse an Iceberg type string (`decimal(18,2)`, `map<string, list<double>>`, ...)."""
    if not isinstance(text, str) or not text.strip():
        raise TypeSyntaxError("a type is required, e.g. 'string' or 'decimal(18,2)'")
    return _Parser(text).parse()


def canonical_type(text: str) -> str:
    """The normalized spelling: white space removed (what Terraform's table_spec produces too)."""
    return re.sub(r"\s+", "", text)


def to_pyiceberg_primitive(t: PrimitiveType) -> pyiceberg_types.PrimitiveType:
    """The pyiceberg type for one of our primitives (pyiceberg's own type system, no copies)."""
    from pyiceberg import types as pi

    simple: dict[str, Callable[[], pi.PrimitiveType]] = {
        "boolean": pi.BooleanType,
        "int": pi.IntegerType,
        "long": pi.LongType,
        "float": pi.FloatType,
        "double": pi.DoubleType,
        "date": pi.DateType,
        "time": pi.TimeType,
        "timestamp": pi.TimestampType,
        "timestamptz": pi.TimestamptzType,
        "timestamp_ns": pi.TimestampNanoType,
        "timestamptz_ns": pi.TimestamptzNanoType,
        "string": pi.StringType,
        "uuid": pi.UUIDType,
        "binary": pi.BinaryType,
    }
    if t.name == "decimal":
        assert t.precision is not None and t.scale is not None  # the parser sets both for decimal
        return pi.DecimalType(t.precision, t.scale)
    if t.name == "fixed":
        assert t.length is not None  # the parser sets it for fixed
        return pi.FixedType(t.length)
    return simple[t.name]()
