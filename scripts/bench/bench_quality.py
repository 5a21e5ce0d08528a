"""Quality scan cost: the generated Soda scan of `orders` over 10M rows (Arrow in DuckDB) against one
hand-written DuckDB query computing the same metrics over the same registered table, in the same run.

10M orders rows are ~0.9 GB of Arrow; DuckDB scans them in place (no copy).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from icespec.quality import scan_arrow
from icespec.schema import arrow_schema
from icespec.spec import load_spec

ROWS = 10_000_000
TEMPLATE = Path(__file__).resolve().parents[2] / "table-templates" / "orders.yaml"
STATUSES = np.array(["placed", "paid", "shipped", "delivered", "cancelled"])
CURRENCIES = np.array(["EUR", "USD", "GBP", "JPY", "CHF"])


def orders_table(spec, rows: int) -> pa.Table:
    rng = np.random.default_rng(7)
    schema = arrow_schema(spec)
    start = np.datetime64("2024-01-01T00:00:00", "us")
    updated = start + rng.integers(0, 30 * 86_400_000_000, rows).astype("timedelta64[us]")
    cents = rng.integers(0, 100_000, rows)
    columns = {
        "order_id": pa.array(np.char.add("o-", np.arange(rows).astype(str)), pa.large_string()),
        "customer_id": pa.array(rng.integers(1, 1_000_000, rows), pa.int64()),
        "order_date": pa.array(updated.astype("datetime64[D]"), pa.date32()),
        "status": pa.array(STATUSES[rng.integers(0, 5, rows)], pa.large_string()),
        "amount": pa.array(cents, pa.int32()).cast(pa.decimal128(18, 2)),
        "currency": pa.array(CURRENCIES[rng.integers(0, 5, rows)], pa.large_string()),
        "discount": pa.nulls(rows, pa.decimal128(18, 2)),
        "payment_card_last4": pa.array(
            np.char.zfill(rng.integers(0, 10_000, rows).astype(str), 4), pa.large_string()
        ),
        "updated_at": pa.array(updated, pa.timestamp("us", tz="UTC")),
    }
    return pa.Table.from_arrays(list(columns.values()), schema=schema)


# Every metric the generated scan computes, in one pass (plus the duplicate count), by hand.
BASELINE_SQL = """
SELECT
  count(*),
  count(*) FILTER (WHERE order_id IS NULL), count(*) FILTER (WHERE customer_id IS NULL),
  count(*) FILTER (WHERE order_date IS NULL), count(*) FILTER (WHERE status IS NULL),
  count(*) FILTER (WHERE status NOT IN ('placed','paid','shipped','delivered','cancelled')),
  count(*) FILTER (WHERE amount IS NULL), count(*) FILTER (WHERE amount < 0),
  count(*) FILTER (WHERE currency IS NULL), count(*) FILTER (WHERE NOT regexp_matches(currency, '^[A-Z]{3}$')),
  count(*) FILTER (WHERE length(currency) > 3), count(*) FILTER (WHERE updated_at IS NULL),
  max(updated_at),
  (SELECT count(*) FROM (SELECT order_id FROM orders GROUP BY order_id HAVING count(*) > 1))
FROM orders
"""


def run() -> list[dict]:
    spec = load_spec(TEMPLATE)
    data = orders_table(spec, ROWS)
    now = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)

    connection = duckdb.connect()
    connection.register("orders", data)
    started = time.perf_counter()
    baseline_row = connection.execute(BASELINE_SQL).fetchone()
    baseline = time.perf_counter() - started
    connection.close()

    started = time.perf_counter()
    result = scan_arrow(spec, data, now=now)
    elapsed = time.perf_counter() - started
    problems = [(c.key, c.outcome, c.message) for c in result.checks if not c.passed]
    assert not problems, problems
    assert result.check("row_count").metrics["value"] == baseline_row[0] == ROWS
    return [
        {
            "name": "quality: generated Soda scan, orders 10M rows / one DuckDB query",
            "ratio": elapsed / baseline,
            "detail": f"{len(result.checks)} checks in {elapsed:.2f} s; same metrics by hand {baseline:.2f} s "
            f"({data.nbytes / 2**30:.2f} GiB Arrow)",
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
