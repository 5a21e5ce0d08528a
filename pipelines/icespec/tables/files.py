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

import codecs
import csv
import decimal
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
# pyarrow's JSON reader cannot parse a date, a time or a uuid from a string, reads a timestamp without
# a zone into a timestamptz as if it were UTC, and builds no maps; its CSV reader cannot turn a uuid's
# text into 16 bytes; both overflow a float32 to inf without a word. Such a value is read as the
# nearest type the reader has (text, a double) and converted with Arrow's casts, which refuse what
# does not fit. A top-level JSON map is read with Python's json module (pyarrow would infer a struct,
# losing the difference between an absent key and a null value).
def _is_uuid(t: pa.DataType) -> bool:
    return isinstance(t, pa.BaseExtensionType) and t.extension_name == "arrow.uuid"


def _reader_type(t: pa.DataType, kind: str, where: str) -> pa.DataType | None:
    """What to ask the reader for instead of `t` (None: the reader produces `t` itself)."""
    if _is_uuid(t):
        return pa.string()
    if pa.types.is_float32(t):
        return pa.float64()
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


def _to_target(values: pa.Array, target: pa.DataType) -> pa.Array:
    """Values read as `_reader_type(target)`, as `target` (Arrow's casts: what does not fit raises)."""
    if _is_uuid(target):
        storage = pa.array([uuid.UUID(v).bytes if v else None for v in values.to_pylist()], pa.binary(16))
        return pa.ExtensionArray.from_storage(target, storage)  # an empty CSV field is no value
    if pa.types.is_float32(target):
        narrowed = pc.cast(values, target, safe=False)
        overflow = pc.and_(pc.is_finite(values), pc.invert(pc.is_finite(narrowed)))
        if pc.any(overflow).as_py():
            raise pa.ArrowInvalid(
                f"{values[pc.index(overflow, True).as_py()].as_py()!r} does not fit a float"
            )
        return narrowed
    if pa.types.is_time(target):
        moments = pc.binary_join_element_wise("1970-01-01T", values, "")
        return pc.cast(pc.cast(moments, pa.timestamp("ns"), safe=True), target, safe=True)
    if pa.types.is_struct(target):
        children = [_to_target(values.field(i), f.type) for i, f in enumerate(target)]
        fields = [pa.field(f.name, c.type) for f, c in zip(target, children, strict=True)]
        return pa.StructArray.from_arrays(
            children, fields=fields, mask=values.is_null() if values.null_count else None
        )
    if pa.types.is_list(target) or pa.types.is_large_list(target):
        elements = _to_target(values.values, target.value_type)
        return pa.ListArray.from_arrays(
            values.offsets, elements, mask=values.is_null() if values.null_count else None
        )
    if values.type == target:
        return values
    return pc.cast(values, target, safe=True)  # dates, zoned timestamps (a missing zone is refused), ...


def _stand_ins(schema: pa.Schema, kind: str) -> tuple[pa.Schema, dict[str, Callable]]:
    """(what the reader is asked for, converters to the template's types by column). Top-level JSON
    maps are left out of the reader's schema: `_json_maps` reads them."""
    fields, converters = [], {}
    for field in schema:
        if kind == "jsonl" and pa.types.is_map(field.type):
            continue
        reader = _reader_type(field.type, kind, field.name)
        fields.append(pa.field(field.name, reader or field.type))
        if reader is not None:
            converters[field.name] = _to_target
    return pa.schema(fields), converters


def _json_maps(path: Path, data: bytes, template: pa.Schema) -> tuple[dict[str, pa.Array], set[str]]:
    """The template's top-level map columns, read exactly with Python's json module, and every key
    the objects use (to name columns the template does not have)."""
    maps = [f for f in template if pa.types.is_map(f.type)]
    values: dict[str, list] = {f.name: [] for f in maps}
    keys: set[str] = set()
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_float=decimal.Decimal)
        except ValueError as exc:
            raise InputFileError(
                f"{path}:{number}: error: not a JSON object ({exc}); nothing was written"
            ) from None
        keys.update(record)
        for field in maps:
            value = record.get(field.name)
            if value is not None and not isinstance(value, dict):
                raise InputFileError(
                    f"{path}:{number}: error: column '{field.name}' is a map in the template: write a JSON object"
                )
            values[field.name].append(value)
    arrays = {}
    for field in maps:
        pairs = values[field.name]
        offsets, flat_keys, flat_items = [0], [], []
        for value in pairs:
            for k, v in (value or {}).items():
                flat_keys.append(k)
                flat_items.append(v)
            offsets.append(len(flat_keys))
        try:
            key_array = pc.cast(pa.array(flat_keys), field.type.key_type, safe=True)
            item_array = pc.cast(pa.array(flat_items), field.type.item_type, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise InputFileError(
                f"{path}: error: column '{field.name}': a key or value does not fit {field.type} "
                f"({_one_line(exc)}); nothing was written"
            ) from None
        mask = pa.array([value is None for value in pairs])
        arrays[field.name] = pa.MapArray.from_arrays(
            pa.array(offsets, pa.int32()), key_array, item_array, mask=mask
        )
    return arrays, keys


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
        rows = rows.set_column(index, pa.field(name, converted.type), converted)  # conform casts the rest
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


# RFC 4180: a quoted value may hold newlines. Only an empty field is no value (pyarrow's default
# list would also read NULL, NA, NaN, ... as no value: "NaN" in a double column is NaN here).
_CSV_PARSE = pa_csv.ParseOptions(newlines_in_values=True)
_CSV_NULLS = {"null_values": [""], "strings_can_be_null": False}


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
    _refuse_unterminated_quote(path)
    try:
        rows = pa_csv.read_csv(path, parse_options=_CSV_PARSE, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise _csv_error(path, names, convert, exc) from None
    if not converters:
        return rows
    starts = _csv_rows(path.read_text(encoding="utf-8-sig"))
    return _convert(path, rows, template, converters, lambda row: starts[row][1] if row < len(starts) else 0)


def _refuse_unterminated_quote(path: Path) -> None:
    """pyarrow (like Python's csv) reads an unclosed quote as a value running to the end of the file,
    swallowing the rows after it; quotes come in pairs in a well-formed file (an escaped quote is two)."""
    data = path.read_bytes()
    if data.count(b'"') % 2 == 0:
        return
    opened = None
    for line_number, line in enumerate(data.split(b"\n"), start=1):
        if line.count(b'"') % 2:
            opened = line_number if opened is None else None
    where = f"{path}:{opened}" if opened else str(path)
    raise InputFileError(
        f"{where}: error: a quoted value is never closed (an odd number of double quotes); close it, or "
        'double a quote inside a value (""); nothing was written'
    )


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
        f"{path}:{starts[row][1]}: error: {where}{detail}; fix that value (or the template's type); nothing was written"
    )


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


def _require_utf8(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += decoder_line(chunk, exc.start)
                raise InputFileError(
                    f"{path}:{line}: error: not UTF-8 text (byte {exc.object[exc.start : exc.start + 1]!r}); "
                    "save the file as UTF-8; nothing was written"
                ) from None
            line += chunk.count(b"\n")


def decoder_line(chunk: bytes, position: int) -> int:
    return chunk.count(b"\n", 0, position)


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
    # Columns the template lacks are inferred, so the writer names them (with maps, they are found by
    # the json pass instead: pyarrow would infer the map's objects as structs).
    unexpected = "ignore" if has_maps else "infer"
    options = pa_json.ParseOptions(explicit_schema=_nullable(schema), unexpected_field_behavior=unexpected)
    try:
        rows = pa_json.read_json(io.BytesIO(data), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        reason = _one_line(exc)
    else:
        if converters:
            rows = _convert(path, rows, template, converters, _data_line_of(data, 0))
        if has_maps:
            maps, keys = _json_maps(path, data, template)
            for name, array in maps.items():
                rows = rows.append_column(pa.field(name, array.type), array)
            for name in sorted(keys - set(template.names)):  # the writer names them as unexpected
                rows = rows.append_column(name, pa.nulls(rows.num_rows))
        return rows

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
