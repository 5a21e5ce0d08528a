"""Input files typed by the template: Parquet, CSV and JSON lines read with pyarrow's own readers.

Nothing is guessed. CSV columns are parsed as the template's Arrow types
(`ConvertOptions(column_types=...)`), JSON lines with the template's schema as `explicit_schema`,
so `12.50` is a decimal(18,2), `007` stays the string `007`, and `2026-02-04T11:30:00+01:00` is a
timestamptz (a timestamp without a zone is refused for a timestamptz column: no zone is invented).

A value that does not parse is reported as `PATH:LINE: error: column 'x': ...`. pyarrow names the
column but not the line, so the line is found by bisecting the file's lines with the same reader
and the same options (about two reads of the file, on the error path only); the reason is pyarrow's
own. A malformed file, a `.json` array, duplicate column names or an empty file get one line naming
the file.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

SUFFIXES = {".parquet": "parquet", ".csv": "csv", ".json": "jsonl", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class InputFileError(ValueError):
    """The file cannot be read as the table's rows; the message names the file (and line) and the fix."""


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _nested(t: pa.DataType) -> bool:
    return pa.types.is_struct(t) or pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_map(t)


# -- types a reader cannot produce directly -------------------------------------------------------------
# pyarrow's JSON reader cannot parse a date or a time from a string, nor build a map or a fixed-size
# binary; its CSV reader cannot turn a uuid's text into 16 bytes. Such a column is read as the nearest
# type the reader has (text, or the object as a struct) and converted with Arrow's own casts.
def _is_uuid(t: pa.DataType) -> bool:
    return isinstance(t, pa.BaseExtensionType) and t.extension_name == "arrow.uuid"


def _uuids(values: pa.Array, target: pa.DataType) -> pa.Array:
    """uuid text -> the 16 bytes (an empty CSV field is no value)."""
    storage = pa.array([uuid.UUID(v).bytes if v else None for v in values.to_pylist()], pa.binary(16))
    return pa.ExtensionArray.from_storage(target, storage)


def _times(values: pa.Array, target: pa.DataType) -> pa.Array:
    moments = pc.binary_join_element_wise("1970-01-01T", values, "")
    return pc.cast(pc.cast(moments, pa.timestamp("ns"), safe=True), target, safe=True)


def _maps(values: pa.Array, target: pa.DataType) -> pa.Array:
    rows = [
        None if v is None else [(k, x) for k, x in v.items() if x is not None] for v in values.to_pylist()
    ]
    return pa.array(rows, type=target)


def _stand_ins(schema: pa.Schema, kind: str) -> tuple[pa.Schema, dict[str, Callable]]:
    """(what the reader is asked for, converters to the template's types by column)."""
    fields, converters = [], {}
    for field in schema:
        t = field.type
        if _is_uuid(t):
            fields.append(pa.field(field.name, pa.string()))
            converters[field.name] = _uuids
        elif kind == "jsonl" and pa.types.is_date(t):
            fields.append(pa.field(field.name, pa.string()))
            converters[field.name] = lambda values, target: pc.cast(values, target, safe=True)
        elif kind == "jsonl" and pa.types.is_time(t):
            fields.append(pa.field(field.name, pa.string()))
            converters[field.name] = _times
        elif kind == "jsonl" and pa.types.is_map(t):
            converters[field.name] = _maps  # left out of the schema: read as the objects it holds
            continue
        elif kind == "jsonl" and pa.types.is_fixed_size_binary(t):
            raise InputFileError(
                f"column '{field.name}' is {t} in the template, which JSON lines cannot carry; use Parquet"
            )
        else:
            fields.append(field)
    return pa.schema(fields), converters


def _convert(
    path: Path,
    rows: pa.Table,
    schema: pa.Schema,
    converters: dict[str, Callable],
    line_of_row: Callable[[int], int],
) -> pa.Table:
    for name, convert in converters.items():
        index = rows.schema.get_field_index(name)
        if index < 0:
            continue
        target = schema.field(name).type
        values = rows.column(index).combine_chunks()
        try:
            converted = convert(values, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, TypeError) as exc:
            row = _first_bad_row(values, target, convert)
            where = f"{path}:{line_of_row(row)}" if row is not None else str(path)
            raise InputFileError(
                f"{where}: error: column '{name}': {_one_line(exc)}; fix that value (or the template's type); "
                "nothing was written"
            ) from None
        rows = rows.set_column(index, pa.field(name, target), converted)
    return rows


def _first_bad_row(values: pa.Array, target: pa.DataType, convert: Callable) -> int | None:
    lo, hi = 0, len(values)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            convert(values.slice(lo, mid - lo), target)
            lo = mid
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, TypeError):
            hi = mid
    return lo if hi > lo else None


def _data_line_of(data: bytes, skip: int) -> Callable[[int], int]:
    """Line number (1-based) of data row `row` (0-based): rows are the non-empty lines after `skip` lines."""

    def line_of(row: int) -> int:
        seen = -1
        for number, line in enumerate(data.split(b"\n"), start=1):
            if number <= skip or not line.strip():
                continue
            seen += 1
            if seen == row:
                return number
        return 0

    return line_of


# -- locating the bad line ---------------------------------------------------------------------------
def _next_line_start(data: bytes, position: int, end: int) -> int:
    found = data.find(b"\n", position, end)
    return end if found < 0 else found + 1


def _first_bad_line(data: bytes, start: int, fails: Callable[[bytes], bool]) -> int | None:
    """Byte offset of the first line in data[start:] that `fails` to parse (with the real reader)."""
    lo, hi = start, len(data)
    if lo >= hi or not fails(data[lo:hi]):
        return None
    while True:
        mid = _next_line_start(data, lo + (hi - lo) // 2, hi)
        if mid >= hi:  # the midpoint is inside the last line of the range
            mid = _next_line_start(data, lo, hi)
            if mid >= hi:
                return lo  # one line left
        if fails(data[lo:mid]):
            hi = mid
        else:
            lo = mid


def _line_number(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# -- CSV ---------------------------------------------------------------------------------------------
def _csv_header(path: Path) -> list[str]:
    """The column names of the header line (parsed by pyarrow alone, so a bad row later is not in the way)."""
    with path.open("rb") as handle:
        first = handle.readline()
    if not first.strip():
        raise InputFileError(f"{path}: the file is empty; a CSV needs a header line")
    try:
        return pa_csv.read_csv(io.BytesIO(first)).column_names
    except pa.ArrowInvalid as exc:
        raise InputFileError(f"{path}:1: error: not a readable CSV header ({_one_line(exc)})") from None


def _read_csv(path: Path, template: pa.Schema) -> pa.Table:
    names = _csv_header(path)
    schema, converters = _stand_ins(template, "csv")
    _refuse_duplicates(path, names)
    column_types: dict[str, pa.DataType] = {}
    for name in names:
        index = schema.get_field_index(name)
        if index < 0:
            column_types[name] = pa.string()  # not in the template: the writer names it, unparsed
            continue
        field_type = schema.field(index).type
        if _nested(field_type):
            raise InputFileError(
                f"{path}:1: error: column '{name}' is a {field_type} in the template and CSV cannot hold "
                "nested values; write this table from Parquet or JSON lines"
            )
        column_types[name] = field_type
    convert = pa_csv.ConvertOptions(column_types=column_types)
    try:
        rows = pa_csv.read_csv(path, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise _csv_error(path, names, convert, exc) from None
    return (
        _convert(path, rows, template, converters, _data_line_of(path.read_bytes(), 1))
        if converters
        else rows
    )


def _csv_error(
    path: Path, names: list[str], convert: pa_csv.ConvertOptions, exc: Exception
) -> InputFileError:
    reason = _one_line(exc)
    data = path.read_bytes()
    header_end = _next_line_start(data, 0, len(data))
    header = data[:header_end] if data[:header_end].endswith(b"\n") else data[:header_end] + b"\n"

    def fails(chunk: bytes) -> bool:
        try:
            pa_csv.read_csv(io.BytesIO(header + chunk), convert_options=convert)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return True
        return False

    offset = _first_bad_line(data, header_end, fails)
    column = re.match(r"In CSV column #(\d+): (.*)", reason)
    where = (
        f"column '{names[int(column.group(1))]}': " if column and int(column.group(1)) < len(names) else ""
    )
    detail = column.group(2) if column else reason
    if offset is None:
        return InputFileError(f"{path}: error: {where}{detail}; nothing was written")
    line = _line_number(data, offset)
    return InputFileError(
        f"{path}:{line}: error: {where}{detail}; fix that value (or the template's type); nothing was written"
    )


# -- JSON lines -------------------------------------------------------------------------------------
_JSON_COLUMN = re.compile(r"Column\((/[^)]*)\)")


def _json_column(path: Path, line_text: bytes, schema: pa.Schema) -> str | None:
    """Which column of one JSON line pyarrow refuses, tried one column at a time."""
    try:
        record = json.loads(line_text)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    for name, value in record.items():
        index = schema.get_field_index(name)
        if index < 0:
            continue
        single = _nullable(pa.schema([schema.field(index)]))
        options = pa_json.ParseOptions(explicit_schema=single, unexpected_field_behavior="ignore")
        try:
            pa_json.read_json(io.BytesIO(json.dumps({name: value}).encode()), parse_options=options)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return name
    return None


def _read_json_lines(path: Path, template: pa.Schema) -> pa.Table:
    data = path.read_bytes()
    try:
        schema, converters = _stand_ins(template, "jsonl")
    except InputFileError as exc:
        raise InputFileError(f"{path}: error: {exc}") from None
    if not data.strip():
        raise InputFileError(f"{path}: the file is empty; write one JSON object per line")
    if data.lstrip()[:1] == b"[":
        raise InputFileError(
            f"{path}:1: error: the file is a JSON array; icespec reads JSON lines (one object per line, "
            "no enclosing [ ]), e.g. `jq -c '.[]' {path.name}`"
        )
    # Every field nullable for parsing: a missing required value is the writer's to report, by name.
    options = pa_json.ParseOptions(explicit_schema=_nullable(schema), unexpected_field_behavior="infer")
    try:
        rows = pa_json.read_json(io.BytesIO(data), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        reason = _one_line(exc)
    else:
        return _convert(path, rows, template, converters, _data_line_of(data, 0)) if converters else rows

    def fails(chunk: bytes) -> bool:
        try:
            pa_json.read_json(io.BytesIO(chunk), parse_options=options)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return True
        return False

    offset = _first_bad_line(data, 0, fails)
    if offset is None:
        return _raise(f"{path}: error: {reason}; nothing was written")
    end = _next_line_start(data, offset, len(data))
    line_text = data[offset:end]
    try:
        pa_json.read_json(io.BytesIO(line_text), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        reason = _one_line(exc)
    named = _JSON_COLUMN.search(reason)
    column = named.group(1).lstrip("/").replace("/", ".") if named and named.group(1) != "/" else None
    if "specified twice" in reason:
        return _raise(
            f"{path}:{_line_number(data, offset)}: error: column '{column}' appears twice in one object"
        )
    column = column or _json_column(path, line_text, schema)
    where = f"column '{column}': " if column else ""
    reason = re.sub(r"^JSON parse error: ", "", reason)
    reason = re.sub(r" in row \d+$", "", reason)
    return _raise(
        f"{path}:{_line_number(data, offset)}: error: {where}{reason}; fix that line (or the template's type); "
        "nothing was written"
    )


def _nullable_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _nullable_type(f.type), nullable=True) for f in t])
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(pa.field(t.value_field.name, _nullable_type(t.value_type), nullable=True))
    if pa.types.is_map(t):
        return pa.map_(t.key_type, pa.field(t.item_field.name, _nullable_type(t.item_type), nullable=True))
    return t


def _nullable(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, _nullable_type(f.type), nullable=True) for f in schema])


def _raise(message: str) -> pa.Table:
    raise InputFileError(message)


# -- Parquet -----------------------------------------------------------------------------------------
def _read_parquet(path: Path) -> pa.Table:
    try:
        names = pq.read_schema(path).names
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(f"{path}: not a readable Parquet file ({_one_line(exc)})") from None
    _refuse_duplicates(path, names)
    return pq.read_table(path)


def _refuse_duplicates(path: Path, names: list[str]) -> None:
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputFileError(
            f"{path}:1: error: column(s) {', '.join(duplicated)} appear more than once in the header; "
            "give every column one name"
        )


def read_batch_file(path: str | Path, schema: pa.Schema) -> pa.Table:
    """The rows of a .parquet, .csv or .jsonl/.ndjson/.json (JSON lines) file, typed by `schema`."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputFileError(f"{path}: unsupported file type {path.suffix!r} (use .parquet, .csv or .jsonl)")
    if kind == "parquet":
        return _read_parquet(path)
    if kind == "csv":
        return _read_csv(path, schema)
    return _read_json_lines(path, schema)
