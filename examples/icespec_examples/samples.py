"""Deterministic sample data for any template, so every example asset materializes real rows.

The same (spec, partition_key, rows) gives the same batch (on the same UTC day, for unpartitioned
tables whose dates trail today so that freshness checks pass): identifier values repeat across runs, so re-running an upsert or overwrite does not grow the table. Values respect the column's
quality checks (each check kind narrows the sample values: icespec.spec.checks; regexes are met
by trying a few candidates) and put a day-partitioned
table's time column inside the requested day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import re
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
from pyiceberg import types as pi

from icespec.schema import arrow_schema, iceberg_schema
from icespec.spec import Column, TableSpec
from icespec.spec.checks import SampleDomain, sample_domain

DEFAULT_ROWS = 200
HISTORY_DAYS = 30  # unpartitioned tables get days spread over the 30 days up to yesterday (UTC)
UTC = dt.UTC
# Strings tried in order against a column's regex check; the first that matches is used.
_REGEX_CANDIDATES = ("user{i}@example.com", "EUR", "USD", "GBP", "id-{i}", "{i}", "A{i}")
_CURRENCIES = ("EUR", "USD", "GBP", "JPY", "CHF")


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


class _Generator:
    def __init__(self, spec: TableSpec, partition_key: str | None, rows: int):
        self.spec = spec
        self.rows = rows
        self.random = random.Random(_seed(spec.full_name, partition_key, rows))
        self.day = dt.date.fromisoformat(partition_key) if partition_key else None
        # Recent days, so freshness checks pass on sample data; same values all day long.
        self.yesterday = dt.datetime.now(UTC).date() - dt.timedelta(days=1)
        self.key_prefix = partition_key.replace("-", "") if partition_key else "0"
        self.identifiers = set(spec.identifier_fields)

    def day_for(self, i: int) -> dt.date:
        return self.day if self.day is not None else self.yesterday - dt.timedelta(days=i % HISTORY_DAYS)

    def value(self, t: pi.IcebergType, column: Column | None, path: str, i: int, required: bool) -> Any:
        # The values the column's checks allow (each check kind narrows them: icespec.spec.checks).
        domain = sample_domain(column.checks) if column is not None else SampleDomain()
        if not required and path not in self.identifiers and self.random.random() < 0.05:
            return None
        if isinstance(t, pi.StructType):
            children = {c.name: c for c in (column.fields or ())} if column is not None else {}
            return {
                f.name: self.value(f.field_type, children.get(f.name), f"{path}.{f.name}", i, f.required)
                for f in t.fields
            }
        if isinstance(t, pi.ListType):
            length = 16 if "embedding" in path else self.random.randint(0, 3)
            return [self.value(t.element_type, None, f"{path}.element", i, True) for _ in range(length)]
        if isinstance(t, pi.MapType):
            keys = self.map_keys(t.key_type, f"{path}.key", self.random.randint(0, 3))
            return [(k, self.value(t.value_type, None, f"{path}.value", i, True)) for k in keys]
        if domain.choices:
            return domain.choices[(i + self.random.randint(0, 7)) % len(domain.choices)]
        return self.primitive(t, domain, path, i)

    def map_keys(self, key_type: pi.IcebergType, path: str, count: int) -> list[Any]:
        """Up to `count` distinct, non-null keys of the map's own key type (map<int, ...> gets ints)."""
        keys: dict[str, Any] = {}  # by repr: a struct key is a dict, which cannot be hashed
        for _ in range(count * 4):  # a few draws more than needed: a boolean key has only two values
            if len(keys) == count:
                break
            key = self.value(key_type, None, path, self.random.randint(0, 9), True)
            keys.setdefault(repr(key), key)
        return list(keys.values())

    def primitive(self, t: pi.IcebergType, domain: SampleDomain, path: str, i: int) -> Any:
        is_key = path in self.identifiers
        if domain.low is not None:
            low = domain.low
        else:  # 0 up, unless the column's max is below 0
            low = 0.0 if domain.high is None or domain.high >= 0 else domain.high - 1000
        high = domain.high if domain.high is not None else low + 1000
        if isinstance(t, pi.BooleanType):
            return i % 3 == 0
        if isinstance(t, pi.IntegerType | pi.LongType):
            if is_key:
                return int(self.key_prefix) * 1_000_000 + i
            return self.random.randint(math.ceil(low), math.floor(high))
        if isinstance(t, pi.FloatType | pi.DoubleType):
            return round(self.random.uniform(float(low), float(high)), 4)
        if isinstance(t, pi.DecimalType):
            upper = min(float(high), 10 ** (t.precision - t.scale) - 1)
            return Decimal(f"{self.random.uniform(float(low), upper):.{t.scale}f}")
        if isinstance(t, pi.DateType):
            return self.day_for(i)
        if isinstance(t, pi.TimeType):
            return dt.time(i % 24, self.random.randint(0, 59), self.random.randint(0, 59))
        if isinstance(
            t, pi.TimestampType | pi.TimestamptzType | pi.TimestampNanoType | pi.TimestamptzNanoType
        ):
            moment = dt.datetime.combine(self.day_for(i), dt.time()) + dt.timedelta(
                seconds=(i * 7919) % 86400
            )
            aware = isinstance(t, pi.TimestamptzType | pi.TimestamptzNanoType)
            return moment.replace(tzinfo=UTC) if aware else moment
        if isinstance(t, pi.UUIDType):
            return uuid.UUID(int=_seed(self.spec.full_name, self.key_prefix, path, i) << 64 | i).bytes
        if isinstance(t, pi.FixedType):
            return bytes((i + k) % 256 for k in range(len(t)))
        if isinstance(t, pi.BinaryType):
            return f"{path}-{i}".encode()
        return self.string(domain, path, i, is_key)

    def string(self, domain: SampleDomain, path: str, i: int, is_key: bool) -> str:
        name = path.rsplit(".", 1)[-1]
        if is_key:
            text = f"{name[:3]}-{self.key_prefix}-{i:06d}"
        elif domain.pattern is not None:
            pattern = re.compile(domain.pattern)
            candidates = [c.format(i=i) for c in _REGEX_CANDIDATES]
            text = next((c for c in candidates if pattern.search(c)), candidates[0])
        elif name == "currency":
            text = _CURRENCIES[i % len(_CURRENCIES)]
        elif "email" in name:
            text = f"user{i}@example.com"
        elif name == "country":
            text = ("DE", "FR", "US", "GB", "JP")[i % 5]
        else:
            text = f"{name}-{self.random.randint(0, 9999)}"
        if domain.max_length is not None:
            text = text[: domain.max_length]
        return text


def sample_batch(spec: TableSpec, partition_key: str | None = None, rows: int = DEFAULT_ROWS) -> pa.Table:
    """`rows` deterministic rows that satisfy the spec (types, required, checks).

    `partition_key` is a day (YYYY-MM-DD) for tables partitioned by `day(...)`: the batch then
    holds rows of that day only, with identifier values unique to the day.
    """
    schema = iceberg_schema(spec)
    generator = _Generator(spec, partition_key, rows)
    columns = {c.name: c for c in spec.columns}
    records = [
        {
            f.name: generator.value(f.field_type, columns.get(f.name), f.name, i, f.required)
            for f in schema.fields
        }
        for i in range(rows)
    ]
    return pa.Table.from_pylist(records, schema=arrow_schema(spec, schema))


def sample_source(spec: TableSpec, partition_key: str | None) -> pa.Table:
    """A `Source` for `build_definitions`: the sample rows of the table (of the day, when partitioned)."""
    return sample_batch(spec, partition_key)


def sample_sources(specs: Sequence[TableSpec]) -> dict[str, Callable[[TableSpec, str | None], pa.Table]]:
    """Sample data as the source of every table (the demo's `build_definitions(..., sources=...)`)."""
    return {spec.full_name: sample_source for spec in specs}
