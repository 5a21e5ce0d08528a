"""Input files typed by the template: Parquet, CSV and JSON lines read with pyarrow's own readers.

Nothing is guessed. CSV columns are parsed as the template's Arrow types
(`ConvertOptions(column_types=...)`), JSON lines with the template's schema as `explicit_schema`,
so `12.50` is a decimal(18,2), `007` stays the string `007`, and `2026-02-04T11:30:00+01:00` is a
timestamptz (a timestamp without a zone is refused for a timestamptz column: no zone is invented).

What the readers cannot do themselves is done with Arrow's casts (see `_reader_type`), and what they
would do silently is refused: a float that overflows, an unclosed quote that swallows the rows after
it, a JSON map value that does not fit.

A value that does not parse is reported as `PATH:LINE: error: column 'x': ...`. pyarrow names the
column but not the line, so the line is found by bisecting the file's rows with the same reader and
the same options (about two reads of the file, on the error path only); the reason is pyarrow's
own. A malformed file, a `.json` array, duplicate column names, text that is not UTF-8 or an empty
file get one line naming the file.
"""

from __future__ import annotations

import codecs
import csv
import decimal
import io
import json
import math
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from icespec.errors import WriteError

SUFFIXES = {".parquet": "parquet", ".csv": "csv", ".json": "jsonl", ".jsonl": "jsonl", ".ndjson": "jsonl"}
csv.field_size_limit(2**31 - 1)  # Python's csv (used to map rows to lines) caps a field at 128 KiB


Converter = Callable[[pa.Array, pa.DataType], pa.Array]  # reader's values -> the template's type


class InputFileError(WriteError):
    """The file cannot be read as the table's rows; the message names the file (and line) and the fix."""


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _nested(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_struct(t) or pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_map(t)
    )


def _is_uuid(t: pa.DataType) -> bool:
    return isinstance(t, pa.BaseExtensionType) and t.extension_name == "arrow.uuid"


def _refuse_duplicates(path: Path, names: list[str]) -> None:
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputFileError(
            f"{path}:1: error: column(s) {', '.join(duplicated)} appear more than once in the header; "
            "give every column one name"
        )


def _require_utf8(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, exc.start)
                raise InputFileError(
                    f"{path}:{line}: error: not UTF-8 text (byte {exc.object[exc.start : exc.start + 1]!r}); "
                    "save the file as UTF-8; nothing was written"
                ) from None
            if not chunk:
                return
            line += chunk.count(b"\n")


def _first_bad(count: int, fails: Callable[[int, int], bool]) -> int | None:
    """The first of `count` rows that `fails(first, end)` (the real reader, on rows [first, end)) refuses."""
    lo, hi = 0, count
    if not count or not fails(lo, hi):
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fails(lo, mid):
            hi = mid
        else:
            lo = mid
    return lo


# -- types a reader cannot produce directly -------------------------------------------------------------
# pyarrow's JSON reader cannot parse a date, a time or a uuid from a string, reads a timestamp without
# a zone into a timestamptz as if it were UTC, and builds no maps; its CSV reader cannot turn a uuid's
# text into 16 bytes, and both readers overflow a float to inf without a word. Such a value is read as
# the nearest type the reader has (text, a double) and converted with Arrow's casts, which refuse what
# does not fit. A top-level JSON map is read with Python's json module (`_json_maps`).
def _reader_type(t: pa.DataType, kind: str, where: str) -> pa.DataType | None:
    """What to ask the reader for instead of `t` (None: the reader produces `t` itself)."""
    if _is_uuid(t):
        return pa.string()
    if pa.types.is_floating(t):
        return pa.string() if kind == "csv" else (pa.float64() if pa.types.is_float32(t) else None)
    if kind != "jsonl":
        return None
    if pa.types.is_date(t) or pa.types.is_time(t) or (pa.types.is_timestamp(t) and t.tz is not None):
        return pa.string()
    if pa.types.is_fixed_size_binary(t):
        raise InputFileError(f"'{where}' is {t} in the template, which JSON lines cannot carry; use Parquet")
    if pa.types.is_map(t):
        raise InputFileError(
            f"'{where}' is a map inside another value, which icespec cannot read from JSON lines; use Parquet"
        )
    if pa.types.is_struct(t):
        children = [(f, _reader_type(f.type, kind, f"{where}.{f.name}")) for f in t]
        if any(r is not None for _, r in children):
            return pa.struct([pa.field(f.name, r or f.type) for f, r in children])
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        element = _reader_type(t.value_type, kind, f"{where}.element")
        if element is not None:
            return pa.list_(element)
    return None


_NAMED_INFINITY = r"^\s*[+-]?(inf|infinity)\s*$"


def _floats(values: pa.Array, target: pa.DataType) -> pa.Array:
    """Text or doubles -> the target float; a finite value that would become inf is refused."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        text = pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)  # empty: no value
        doubles = pc.cast(text, pa.float64(), safe=True)
        named = pc.fill_null(pc.match_substring_regex(text, _NAMED_INFINITY, ignore_case=True), False)
    else:
        doubles = values
        named = pc.fill_null(pc.is_inf(values), False)  # an infinity that came in stays one
    narrowed = pc.cast(doubles, target, safe=False)
    overflow = pc.and_(pc.fill_null(pc.is_inf(narrowed), False), pc.invert(named))
    if pc.any(overflow).as_py():
        shown = values[pc.index(overflow, True).as_py()].as_py()
        raise pa.ArrowInvalid(f"{shown!r} does not fit a {target} (it would become inf)")
    return narrowed


def _to_target(values: pa.Array, target: pa.DataType) -> pa.Array:
    """Values read as `_reader_type(target)`, as `target` (Arrow's casts: what does not fit raises)."""
    if _is_uuid(target):
        storage = pa.array([uuid.UUID(v).bytes if v else None for v in values.to_pylist()], pa.binary(16))
        return pa.ExtensionArray.from_storage(target, storage)  # an empty CSV field is no value
    if pa.types.is_floating(target):
        return _floats(values, target)
    if pa.types.is_time(target):
        moments = pc.binary_join_element_wise("1970-01-01T", values, "")
        return pc.cast(pc.cast(moments, pa.timestamp("ns"), safe=True), target, safe=True)
    mask = values.is_null() if values.null_count else None
    if pa.types.is_struct(target):
        children = [_to_target(values.field(i), f.type) for i, f in enumerate(target)]  # field(i) is sliced
        fields = [pa.field(f.name, c.type) for f, c in zip(target, children, strict=True)]
        return pa.StructArray.from_arrays(children, fields=fields, mask=mask)
    if pa.types.is_list(target) or pa.types.is_large_list(target):
        offsets = values.offsets
        first, last = offsets[0].as_py(), offsets[-1].as_py()
        elements = _to_target(values.values.slice(first, last - first), target.value_type)
        return pa.ListArray.from_arrays(pc.subtract(offsets, first), elements, mask=mask)
    if values.type == target:
        return values
    return pc.cast(values, target, safe=True)  # dates, zoned timestamps (a missing zone is refused), ...


def _stand_ins(schema: pa.Schema, kind: str) -> tuple[pa.Schema, dict[str, Converter]]:
    """(what the reader is asked for, converters to the template's types by column). Top-level JSON
    maps are left out of the reader's schema: `_json_maps` reads them."""
    fields: list[pa.Field] = []
    converters: dict[str, Converter] = {}
    for field in schema:
        if kind == "jsonl" and pa.types.is_map(field.type):
            continue
        reader = _reader_type(field.type, kind, field.name)
        fields.append(pa.field(field.name, reader or field.type))
        if reader is not None:
            converters[field.name] = _to_target
    return pa.schema(fields), converters


_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError, TypeError)


def _convert(
    path: Path,
    rows: pa.Table,
    schema: pa.Schema,
    converters: dict[str, Converter],
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
        except _CONVERSION_ERRORS as exc:

            def fails(
                first: int, end: int, c: Converter = convert, v: pa.Array = values, t: pa.DataType = target
            ) -> bool:
                return _fails(c, v.slice(first, end - first), t)

            row = _first_bad(len(values), fails)
            where = f"{path}:{line_of_row(row)}" if row is not None else str(path)
            raise InputFileError(
                f"{where}: error: column '{name}': {_one_line(exc)}; fix that value (or the template's type); "
                "nothing was written"
            ) from None
        rows = rows.set_column(index, pa.field(name, converted.type), converted)  # conform casts the rest
    return rows


def _fails(convert: Converter, values: pa.Array, target: pa.DataType) -> bool:
    try:
        convert(values, target)
    except _CONVERSION_ERRORS:
        return True
    return False


# -- CSV ---------------------------------------------------------------------------------------------
# RFC 4180: a quoted value may hold newlines. For non-text columns only an empty field is no value
# (pyarrow's default list would also read NULL, NA, NaN, ... as no value: "NaN" is NaN here); a text
# column keeps an empty field as the empty string, since CSV cannot tell it from a missing one.
_CSV_PARSE = pa_csv.ParseOptions(newlines_in_values=True)
_CSV_NULLS = {"null_values": [""], "strings_can_be_null": False}


def _csv_header(path: Path) -> list[str]:
    """The column names of the header line (parsed by pyarrow alone, so a bad row later is not in the way)."""
    with path.open("rb") as handle:
        first = handle.readline()
        if not first.strip() and handle.read(1):
            raise InputFileError(f"{path}:1: error: the first line is empty; it must name the columns")
    if not first.strip():
        raise InputFileError(f"{path}: the file is empty; a CSV needs a header line")
    try:
        names: list[str] = pa_csv.read_csv(io.BytesIO(first)).column_names
        return names
    except pa.ArrowInvalid as exc:
        raise InputFileError(f"{path}:1: error: not a readable CSV header ({_one_line(exc)})") from None


def _check_csv_structure(path: Path) -> None:
    """pyarrow (like Python's lenient csv) reads a quote that is never closed as a value running to
    the end of the file, swallowing every row after it. Python's csv in strict mode reads the same
    RFC 4180 quoting and says so; it runs only on files that hold a quote at all."""
    with path.open("rb") as handle:
        if not any(b'"' in block for block in iter(lambda: handle.read(1 << 20), b"")):
            return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        row_start = 1
        try:
            for _ in reader:
                row_start = reader.line_num + 1
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputFileError(
                    f"{path}:{row_start}: error: a quoted value that starts in this row is never closed; close "
                    'it, or double a quote inside a value (""); nothing was written'
                ) from None
            raise InputFileError(
                f"{path}:{reader.line_num}: error: malformed CSV ({exc}); nothing was written"
            ) from None


def _csv_rows(text: str) -> list[tuple[int, int]]:
    """(character offset, line number) where each data row starts, from Python's csv reader (the
    same RFC 4180 quoting pyarrow reads), so a row that spans lines is one row."""
    handle = io.StringIO(text, newline="")
    reader = csv.reader(handle)
    starts: list[tuple[int, int]] = []
    offset, line = 0, 1
    for index, row in enumerate(reader):
        if index and row:  # the header, and blank lines (pyarrow skips them), are no data rows
            starts.append((offset, line))
        offset, line = handle.tell(), reader.line_num + 1
    return starts


def _read_csv(path: Path, template: pa.Schema) -> pa.Table:
    _require_utf8(path)
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
    convert = pa_csv.ConvertOptions(column_types=column_types, **_CSV_NULLS)
    _check_csv_structure(path)
    try:
        rows = pa_csv.read_csv(path, parse_options=_CSV_PARSE, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise _csv_error(path, names, convert, exc) from None
    if not converters:
        return rows

    def line_of(row: int) -> int:  # only on the error path: it reads the whole file again
        starts = _csv_rows(path.read_text(encoding="utf-8-sig"))
        return starts[row][1] if row < len(starts) else 0

    return _convert(path, rows, template, converters, line_of)


def _csv_error(
    path: Path, names: list[str], convert: pa_csv.ConvertOptions, exc: Exception
) -> InputFileError:
    reason = _one_line(exc)
    text = path.read_text(encoding="utf-8-sig")
    starts = _csv_rows(text)
    header = text[: starts[0][0]] if starts else text
    header = header if header.endswith("\n") else header + "\n"

    def fails(first: int, end: int) -> bool:
        chunk = text[starts[first][0] : starts[end][0] if end < len(starts) else len(text)]
        try:
            pa_csv.read_csv(
                io.BytesIO((header + chunk).encode()), parse_options=_CSV_PARSE, convert_options=convert
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return True
        return False

    row = _first_bad(len(starts), fails)
    column = re.match(r"In CSV column #(\d+): (.*)", reason)
    where = (
        f"column '{names[int(column.group(1))]}': " if column and int(column.group(1)) < len(names) else ""
    )
    detail = column.group(2) if column else reason
    if row is None:
        return InputFileError(f"{path}: error: {where}{detail}; nothing was written")
    return InputFileError(
        f"{path}:{starts[row][1]}: error: {where}{detail}; fix that value (or the template's type); "
        "nothing was written"
    )


# -- JSON lines -------------------------------------------------------------------------------------
_JSON_COLUMN = re.compile(r"Column\((/[^)]*)\)")


def _json_lines(data: bytes) -> list[tuple[int, bytes]]:
    """(line number, text) of every non-empty line: the data rows of a JSON lines file."""
    return [(n, line) for n, line in enumerate(data.split(b"\n"), start=1) if line.strip()]


def _objects_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"key(s) {', '.join(repeated)} appear twice in one object")
    return dict(pairs)


def _json_value(value: Any, t: pa.DataType) -> Any:
    """A value Python's json module read, for a column of type `t`, or ValueError: no truncation (1.9 is
    no long), no coercion (5 is no string)."""
    if value is None:
        return None
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        if isinstance(value, str):
            return value
    elif pa.types.is_boolean(t):
        if isinstance(value, bool):
            return value
    elif pa.types.is_integer(t):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
            return int(value)
    elif pa.types.is_floating(t):
        if isinstance(value, int | decimal.Decimal) and not isinstance(value, bool):
            number = float(value)
            if math.isinf(number):
                raise ValueError(f"{value} does not fit a {t} (it would become inf)")
            return number
    elif pa.types.is_decimal(t):
        if isinstance(value, int | decimal.Decimal) and not isinstance(value, bool):
            return decimal.Decimal(value)
    elif isinstance(value, str):
        return value  # dates, times, timestamps: Arrow's cast from text below
    raise ValueError(f"{value!r} is not a {t}")


def _map_array(values: list[dict[Any, Any] | None], t: pa.DataType) -> pa.Array:
    offsets: list[int] = [0]
    keys: list[Any] = []
    items: list[Any] = []
    for value in values:
        for key, item in (value or {}).items():
            keys.append(_json_value(key, t.key_type))
            items.append(_json_value(item, t.item_type))
        offsets.append(len(keys))

    def typed(raw: list[Any], target: pa.DataType) -> pa.Array:
        if (
            pa.types.is_string(target)
            or pa.types.is_large_string(target)
            or not any(isinstance(r, str) for r in raw)
        ):
            return pa.array(raw, type=target)  # values already checked against the type: no coercion left
        return pc.cast(pa.array(raw, type=pa.string()), target, safe=True)

    mask = pa.array([value is None for value in values])
    return pa.MapArray.from_arrays(
        pa.array(offsets, pa.int32()), typed(keys, t.key_type), typed(items, t.item_type), mask=mask
    )


def _unexpected_fields(record: Any, t: pa.DataType, prefix: str) -> list[str]:
    """Keys of nested objects that the template's structs do not have (pyarrow would drop them)."""
    if isinstance(record, dict) and pa.types.is_struct(t):
        found = [f"{prefix}{k}" for k in record if t.get_field_index(k) < 0]
        for field in t:
            found += _unexpected_fields(record.get(field.name), field.type, f"{prefix}{field.name}.")
        return found
    if isinstance(record, list) and (pa.types.is_list(t) or pa.types.is_large_list(t)):
        return [name for item in record for name in _unexpected_fields(item, t.value_type, prefix)]
    return []


def _json_maps(path: Path, data: bytes, template: pa.Schema) -> tuple[dict[str, pa.Array], set[str]]:
    """The template's top-level map columns, read exactly with Python's json module, and every
    top-level key the objects use (to name columns the template does not have)."""
    maps = [f for f in template if pa.types.is_map(f.type)]
    struct = pa.struct([f for f in template if not pa.types.is_map(f.type)])
    values: dict[str, list[Any]] = {f.name: [] for f in maps}
    keys: set[str] = set()
    for number, line in _json_lines(data):
        try:
            record = json.loads(line, parse_float=decimal.Decimal, object_pairs_hook=_objects_without_repeats)
        except ValueError as exc:
            raise InputFileError(f"{path}:{number}: error: {_one_line(exc)}; nothing was written") from None
        keys.update(record)
        nested = [n for n in _unexpected_fields(record, struct, "") if "." in n]
        if nested:
            raise InputFileError(
                f"{path}:{number}: error: field(s) {', '.join(nested)} are not in the template; add them or "
                "drop them; nothing was written"
            )
        for field in maps:
            value = record.get(field.name)
            if value is not None and not isinstance(value, dict):
                raise InputFileError(
                    f"{path}:{number}: error: column '{field.name}' is a map in the template: write a JSON object"
                )
            values[field.name].append(value)
    arrays = {}
    lines = _json_lines(data)
    for field in maps:
        try:
            arrays[field.name] = _map_array(values[field.name], field.type)
        except (*_CONVERSION_ERRORS, OverflowError) as exc:

            def fails(first: int, end: int, field: pa.Field = field) -> bool:
                return _map_fails(values[field.name][first:end], field.type)

            row = _first_bad(len(values[field.name]), fails)
            where = f"{path}:{lines[row][0]}" if row is not None else str(path)
            raise InputFileError(
                f"{where}: error: column '{field.name}': a key or value does not fit {field.type} "
                f"({_one_line(exc)}); nothing was written"
            ) from None
    return arrays, keys


def _map_fails(values: list[Any], t: pa.DataType) -> bool:
    try:
        _map_array(values, t)
    except (*_CONVERSION_ERRORS, OverflowError):
        return True
    return False


def _json_column(line_text: bytes, schema: pa.Schema) -> str | None:
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
            return str(name)
    return None


def _read_json_lines(path: Path, template: pa.Schema) -> pa.Table:
    _require_utf8(path)
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        schema, converters = _stand_ins(template, "jsonl")
    except InputFileError as exc:
        raise InputFileError(f"{path}: error: {exc}") from None
    if not data.strip():
        raise InputFileError(f"{path}: the file is empty; write one JSON object per line")
    if data.lstrip()[:1] == b"[":
        raise InputFileError(
            f"{path}:1: error: the file is a JSON array; icespec reads JSON lines (one object per line, "
            f"no enclosing [ ]), e.g. `jq -c '.[]' {path.name}`"
        )
    has_maps = any(pa.types.is_map(f.type) for f in template)
    # Every field nullable for parsing: a missing required value is the writer's to report, by name.
    # Columns the template lacks are inferred, so the writer names them (with maps, the json pass
    # finds them instead: pyarrow would infer each map's objects as a struct).
    unexpected = "ignore" if has_maps else "infer"
    options = pa_json.ParseOptions(explicit_schema=_nullable(schema), unexpected_field_behavior=unexpected)
    try:
        rows = pa_json.read_json(io.BytesIO(data), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise _json_error(path, data, options, schema, _one_line(exc)) from None
    if converters:
        lines = None

        def line_of(row: int) -> int:  # only on the error path
            nonlocal lines
            lines = lines or _json_lines(data)
            return lines[row][0] if row < len(lines) else 0

        rows = _convert(path, rows, template, converters, line_of)
    if has_maps:
        maps, keys = _json_maps(path, data, template)
        for name, array in maps.items():
            rows = rows.append_column(pa.field(name, array.type), array)
        for name in sorted(keys - set(template.names)):  # the writer names them as unexpected
            rows = rows.append_column(name, pa.nulls(rows.num_rows))
    return rows


def _json_error(
    path: Path, data: bytes, options: pa_json.ParseOptions, schema: pa.Schema, reason: str
) -> InputFileError:
    lines = _json_lines(data)

    def fails(first: int, end: int) -> bool:
        chunk = b"\n".join(line for _, line in lines[first:end])
        try:
            pa_json.read_json(io.BytesIO(chunk), parse_options=options)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return True
        return False

    row = _first_bad(len(lines), fails)
    if row is None:
        return InputFileError(f"{path}: error: {reason}; nothing was written")
    number, line_text = lines[row]
    try:
        pa_json.read_json(io.BytesIO(line_text), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        reason = _one_line(exc)
    named = _JSON_COLUMN.search(reason)
    column = named.group(1).lstrip("/").replace("/", ".") if named and named.group(1) != "/" else None
    if "specified twice" in reason:
        return InputFileError(f"{path}:{number}: error: column '{column}' appears twice in one object")
    column = column or _json_column(line_text, schema)
    where = f"column '{column}': " if column else ""
    reason = re.sub(r" in row \d+$", "", re.sub(r"^JSON parse error: ", "", reason))
    return InputFileError(
        f"{path}:{number}: error: {where}{reason}; fix that line (or the template's type); nothing was written"
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


# -- Parquet -----------------------------------------------------------------------------------------
def _read_parquet(path: Path) -> pa.Table:
    try:
        names = pq.read_schema(path).names
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(f"{path}: not a readable Parquet file ({_one_line(exc)})") from None
    _refuse_duplicates(path, names)
    return pq.read_table(path)


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
